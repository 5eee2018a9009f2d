/**
 * The signed-in token. It lives in sessionStorage: it survives a reload of the tab but not the tab itself, and
 * other tabs never see it. Never localStorage, which keeps it on disk for anyone at the browser later.
 */
const TOKEN = 'takedown.console.token';
/** Why the person is on the sign-in page again (the session expired), shown there once. */
const REASON = 'takedown.console.signed-out-reason';

export type SignOutReason = 'expired';

/**
 * The reason as this page knows it, once read or set: kept in memory for the page's lifetime, so that the sign-in page
 * says it on every render and every mount (a mount after the first showing had forgotten it found none: the console
 * e2e, warm run J of 6 December 2026), while the stored copy goes once the page is on show, so that a reload does not
 * say it again. `undefined`: not read yet.
 */
let held: SignOutReason | null | undefined;

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.removeItem(REASON);
    held = null;
  },
  /** Forgets the tab's whole session: the token and what single sign-on kept (its user and state). */
  signOut(reason?: SignOutReason): void {
    sessionStorage.clear();
    if (reason) sessionStorage.setItem(REASON, reason);
    held = reason ?? null;
  },
  /** The reason of the last sign-out, if any. Only reads: the sign-in page forgets the stored copy once on show. */
  reason(): SignOutReason | null {
    held ??= sessionStorage.getItem(REASON) === 'expired' ? 'expired' : null;
    return held;
  },
  /** A reload no longer says it; this page still does, however often it renders the sign-in page. */
  forgetReason(): void {
    sessionStorage.removeItem(REASON);
  },
};
