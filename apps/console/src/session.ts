/**
 * The signed-in token. It lives in sessionStorage: it survives a reload of the tab but not the tab itself, and
 * other tabs never see it. Never localStorage, which keeps it on disk for anyone at the browser later.
 */
const TOKEN = 'takedown.console.token';
/** Why the person is on the sign-in page again (the session expired), shown there once. */
const REASON = 'takedown.console.signed-out-reason';

export type SignOutReason = 'expired';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.removeItem(REASON);
  },
  /** Forgets the tab's whole session: the token and what single sign-on kept (its user and state). */
  signOut(reason?: SignOutReason): void {
    sessionStorage.clear();
    if (reason) sessionStorage.setItem(REASON, reason);
  },
  /** The reason of the last sign-out, if any. Only reads: the sign-in page forgets it once on show. */
  reason(): SignOutReason | null {
    return sessionStorage.getItem(REASON) === 'expired' ? 'expired' : null;
  },
  forgetReason(): void {
    sessionStorage.removeItem(REASON);
  },
};
