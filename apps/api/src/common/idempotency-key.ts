import { createHash } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** ASCII spelled out: in the OpenAPI pattern, `\w` would be Unicode to other regex engines (Python's). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

const PROBLEM = 'must be 1 to 200 letters, digits or -_.:';

/**
 * The request's `Idempotency-Key` header, checked: absent is undefined, a malformed one a 400 naming the header (in
 * the one error shape), before anything is done.
 */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined || IDEMPOTENCY_KEY.test(header)) return header;
  throw new BadRequestException({
    statusCode: 400,
    code: 'REQUEST.INVALID',
    message: `Idempotency-Key: ${PROBLEM}`,
    fields: [{ field: 'Idempotency-Key', problems: [PROBLEM] }],
  });
}

/** The header in the OpenAPI document, with what sending a key again does on this route. */
export const ApiIdempotencyKey = (description: string): MethodDecorator =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
    description,
  });

/**
 * The id of a notice action's workflow update for a key the caller sent: the same caller, the same action and the
 * same key give the same id, which Temporal carries out once per notice (a second update with that id is answered
 * with the first one's outcome). Another caller's key, however alike, is another update: one caller can neither
 * replay nor read another's. Hashed, so that the key itself is not kept in the workflow's history.
 */
export function actionUpdateId(actor: string, action: string, key: string): string {
  return `idempotent-${createHash('sha256').update(`${actor}\n${action}\n${key}`).digest('hex')}`;
}
