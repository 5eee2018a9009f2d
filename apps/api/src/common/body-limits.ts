import {
  json,
  text,
  urlencoded,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { HttpException } from '@nestjs/common';
import type { Principal } from '@takedown/domain';
import { NDJSON_MEDIA_TYPES, XARF_MEDIA_TYPE } from '../intake/media-types';
import { exposedHttpError } from './errors.filter';

/** The media types read as JSON: plain JSON and X-ARF, which is JSON under its own type. */
const JSON_MEDIA_TYPES = ['application/json', XARF_MEDIA_TYPE];

/**
 * How large a body each route takes. Small by default: a notice, an action or a form is a few kB, and a parser
 * that accepts megabytes everywhere lets anyone make the API hold them in memory. Large only where bulk is the
 * point: a batch of up to 10,000 notices, a hotline's file of up to 1,000 URLs, an inventory as JSON (CSV is streamed and not limited here), and a single
 * X-ARF report, whose evidence (dropped on arrival, hashed) may be an image.
 */
export const BODY_LIMITS = {
  default: 100 * 1024,
  xarf: 10 * 1024 * 1024,
  bulk: 20 * 1024 * 1024,
} as const;

/** `POST` routes whose bodies may be bulk, as paths without a trailing slash, lower case (routes ignore both). */
const BULK_ROUTES = new Set(['/v1/notices/batch', '/v1/imports/inventory', '/v1/intake/hotline']);

/** Who calls: a principal on the request, or an error with the answer (401, 429, 503). */
export type Authenticate = (req: Request, res: Response) => Promise<Principal>;

/**
 * The body parsers, chosen per request by route: one middleware in front of the routes. A body over its route's
 * limit is refused with 413 (see ErrorsFilter) before it is read further. The routes that take megabytes
 * authenticate first: without a valid token the answer is 401 before a byte of the body is read, and the
 * connection is closed rather than drained. The 100 kB of the other routes are read before the guard runs.
 */
export function bodyParsers(authenticate: Authenticate): RequestHandler {
  const small = chain(
    json({ limit: BODY_LIMITS.default, type: JSON_MEDIA_TYPES }),
    urlencoded({ limit: BODY_LIMITS.default, extended: false }),
  );
  const xarf = json({ limit: BODY_LIMITS.xarf, type: XARF_MEDIA_TYPE });
  const bulk = chain(
    json({ limit: BODY_LIMITS.bulk, type: JSON_MEDIA_TYPES }),
    text({ limit: BODY_LIMITS.bulk, type: NDJSON_MEDIA_TYPES }),
  );
  return (req: Request, res: Response, done: NextFunction) => {
    // A parser's error leaves here in the project's error shape: Nest would answer a JSON SyntaxError with its text.
    const next = (err?: unknown) => done(err === undefined ? undefined : readableBodyError(err));
    const route = req.path.replace(/\/+$/, '').toLowerCase();
    if (req.method === 'POST' && BULK_ROUTES.has(route)) return authenticated(bulk)(req, res, next);
    if (req.method === 'POST' && route === '/v1/notices' && req.is(XARF_MEDIA_TYPE)) {
      return authenticated(xarf)(req, res, next);
    }
    return small(req, res, next);
  };

  function authenticated(parser: RequestHandler): RequestHandler {
    return (req, res, next) => {
      authenticate(req, res).then(
        (principal) => {
          req.principal = principal;
          parser(req, res, next);
        },
        (err: unknown) => {
          res.setHeader('Connection', 'close');
          next(err);
        },
      );
    };
  }
}

/** Runs parsers in turn; each one leaves a body of another type (or an already parsed one) alone. */
function chain(...parsers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    const run = (i: number, err?: unknown): void => {
      if (err !== undefined || i === parsers.length) return next(err);
      parsers[i](req, res, (e?: unknown) => run(i + 1, e));
    };
    run(0);
  };
}

/** body-parser's errors (http-errors with `expose`) as an HttpException with the body the client gets. */
function readableBodyError(err: unknown): unknown {
  const exposed = exposedHttpError(err);
  return exposed ? new HttpException(exposed, exposed.statusCode) : err;
}
