/** A business rule said no. `code` is dotted (`NOTICE.NOT_FOUND`) and is mapped to HTTP by the API. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Set when the action does not fit the current state of what it acts on (a conflict): that state. */
    readonly state?: string,
  ) {
    super(message);
  }
}
