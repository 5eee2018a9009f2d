/**
 * The portal's customer token, apart from the staff console's: a desk member who opens a customer's link in the
 * same tab does not lose (or lend) their own session. sessionStorage, as for staff: this tab only, never on disk.
 */
const TOKEN = 'takedown.portal.token';
const REASON = 'takedown.portal.signed-out-reason';
/** Whether the session expired, as this page knows it once read or set (see the console's session.ts). */
let held: boolean | undefined;

export const portalSession = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.removeItem(REASON);
    held = false;
  },
  signOut(reason?: 'expired'): void {
    sessionStorage.removeItem(TOKEN);
    if (reason) sessionStorage.setItem(REASON, reason);
    else sessionStorage.removeItem(REASON);
    held = reason === 'expired';
  },
  /** Whether the last sign-out was an expired session. Only reads: the sign-in page forgets the stored copy on show. */
  expired(): boolean {
    held ??= sessionStorage.getItem(REASON) === 'expired';
    return held;
  },
  /** A reload no longer says it; this page still does. */
  forgetExpired(): void {
    sessionStorage.removeItem(REASON);
  },
};
