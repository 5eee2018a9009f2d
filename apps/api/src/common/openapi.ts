import type { OpenAPIObject } from '@nestjs/swagger';
import { BODY_LIMITS } from './body-limits';
import { formatBytes } from './errors.filter';

export type Schema = Record<string, unknown>;
interface Response {
  description: string;
  content?: Record<string, { schema?: Schema }>;
  headers?: Record<string, unknown>;
}
export interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Routes the rate limit leaves alone (@SkipThrottle). */
const NOT_RATE_LIMITED = new Set(['/health', '/metrics']);

/** The body of every JSON error (ErrorsFilter, DomainErrorFilter, the validation pipe, Nest's own exceptions). */
const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['statusCode', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', example: 'REQUEST.INVALID', description: 'Dotted: what went wrong' },
    message: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      description: 'For people; names the field at fault',
    },
    field: { type: 'string', description: 'The field at fault, when there is one' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } },
      },
    },
    error: { type: 'string' },
    requestId: { type: 'string', description: 'On a 500: quote it when reporting the problem' },
  },
};
const ERROR_REF = { $ref: '#/components/schemas/ErrorView' };

/**
 * Adds to every operation the answers that come from the layers around the controllers, so that clients (and the
 * API fuzzer) find every status the API can give in the document: 429 with Retry-After from the rate limit, 413 from
 * the body limits, 400 from the NUL rule and the validation pipe, 500 (a request id, nothing else). Error answers
 * without a body schema get the common error body, except on routes that answer in HTML (the link pages).
 */
export function documentCommonResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.ErrorView = ERROR_SCHEMA;
  for (const [route, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const html = Object.values(op.responses).some((r) => r.content && 'text/html' in r.content);
      const declared = new Set(Object.keys(op.responses));
      if (!NOT_RATE_LIMITED.has(route)) {
        op.responses['429'] ??= {
          description:
            'Too many requests for this token (RATE_LIMIT_PER_MINUTE), or too many failed authentications from this address (AUTH_FAILURES_PER_MINUTE); retry after Retry-After',
          headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
        };
      }
      if (op.requestBody) {
        op.responses['413'] ??= {
          description: `The body is larger than the route takes (${formatBytes(BODY_LIMITS.default)}; batch and inventory ${formatBytes(BODY_LIMITS.bulk)}; an X-ARF report ${formatBytes(BODY_LIMITS.xarf)})`,
        };
      }
      if (op.parameters?.length || op.requestBody) {
        op.responses['400'] ??= { description: 'A parameter is invalid; the body names it' };
      }
      op.responses['500'] ??= {
        description: 'An unexpected error; the body holds only a request id to quote',
      };
      op.responses['503'] ??= {
        description: 'PostgreSQL is unreachable right now (code DATABASE.UNAVAILABLE); retry later',
      };
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        // An error is never a PDF or CSV, whatever the route produces when it succeeds.
        const content = Object.fromEntries(
          Object.entries(response.content ?? {}).filter(([type]) => type === 'application/json'),
        );
        content['application/json'] ??= { schema: ERROR_REF };
        // A link page answers its own errors as a page; the layers in front of it answer in JSON.
        if (html && declared.has(status)) content['text/html'] = { schema: { type: 'string' } };
        response.content = content;
      }
    }
  }
  return document;
}
