/** One field at fault and what is wrong with it, as the API's error body lists them (`fields`). */
export interface FieldProblems {
  field: string;
  problems: string[];
}

/**
 * A business rule said no. `code` is dotted (`NOTICE.NOT_FOUND`) and is mapped to HTTP by the API. `field` names
 * the (first) field at fault; `fields`, when an input had several, all of them.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly fields?: FieldProblems[],
  ) {
    super(message);
  }
}
