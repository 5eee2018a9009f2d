/** Why a bearer token was not accepted; `unavailable` when the identity provider could not be asked. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(
    message: string,
    readonly unavailable = false,
  ) {
    super(message);
  }
}
