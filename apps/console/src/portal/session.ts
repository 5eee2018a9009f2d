/**
 * The portal's customer token, apart from the staff console's: a desk member who opens a customer's link in the
 * same tab does not lose (or lend) their own session. sessionStorage, as for staff: this tab only, never on disk.
 */
const TOKEN = 'takedown.portal.token';
const REASON = 'takedown.portal.signed-out-reason';

export const portalSession = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.removeItem(REASON);
  },
  signOut(reason?: 'expired'): void {
    sessionStorage.removeItem(TOKEN);
    if (reason) sessionStorage.setItem(REASON, reason);
    else sessionStorage.removeItem(REASON);
  },
  /** Whether the last sign-out was an expired session. Only reads: the sign-in page forgets it once on show. */
  expired: (): boolean => sessionStorage.getItem(REASON) === 'expired',
  forgetExpired(): void {
    sessionStorage.removeItem(REASON);
  },
};
