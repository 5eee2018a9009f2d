/** The API's one error shape (see docs/errors): a status, a stable code, a sentence, the field at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly state?: string,
    /** Each field a validation 400 names (`urls.0`), with its problems: a form shows them on its inputs. */
    readonly fields: { field: string; problems: string[] }[] = [],
  ) {
    super(message);
  }
}
