/** A business rule said no. `code` is dotted (`NOTICE.NOT_FOUND`) and is mapped to HTTP by the API. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Every field that is wrong, when there are several (a policy): the shape of the API's validation errors. */
    readonly fields?: { field: string; problems: string[] }[],
  ) {
    super(message);
  }
}
