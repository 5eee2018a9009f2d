import { METHODS as HTTP_METHODS } from 'node:http';
import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { isDatabaseUnavailable } from '@takedown/persistence';
import { DomainErrorFilter } from './domain-error.filter';

/** What body-parser and other http-errors users throw: a status and whether its message may be shown. */
interface HttpErrorLike {
  status?: unknown;
  expose?: unknown;
  type?: unknown;
  limit?: unknown;
  message?: unknown;
}

/**
 * The one place every error becomes a response. Domain errors keep their own mapping; HTTP exceptions keep their
 * bodies (they are written for clients); body-parser's errors (413, 415, …) get a JSON body of the same shape.
 * Anything else is a bug or an outage: the client gets a 500 with the request id and nothing else — no stack, no
 * SQL, no driver message — and the log gets what an operator needs, without the values the query carried (they may
 * be reported URLs).
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private readonly domain = new DomainErrorFilter();

  catch(error: unknown, host: ArgumentsHost): void {
    if (error instanceof DomainError) return this.domain.catch(error, host);
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request & { id?: unknown }>();
    if (res.headersSent) {
      // A streamed answer (a PDF, say) failed half-way: the status is gone, only the connection can tell.
      this.logger.error(describe(error), 'error after the response started');
      res.destroy();
      return;
    }
    if (isUnmatchedRoute(error, req)) {
      const allowed = allowedMethods(req);
      if (allowed.length) {
        res.setHeader('Allow', allowed.join(', '));
        res.status(HttpStatus.METHOD_NOT_ALLOWED).json({
          statusCode: 405,
          code: 'REQUEST.METHOD_NOT_ALLOWED',
          message: `this path answers ${allowed.join(', ')}`,
        });
        return;
      }
      // Nest's own message repeats the path and query string, which may hold a reported URL.
      res
        .status(HttpStatus.NOT_FOUND)
        .json({ statusCode: 404, code: 'ROUTE.NOT_FOUND', message: 'no such route' });
      return;
    }
    if (isUndecodablePath(error)) {
      // Express's own message quotes the parameter it could not decode.
      res.status(HttpStatus.BAD_REQUEST).json({
        statusCode: 400,
        code: 'REQUEST.INVALID',
        message: 'the path holds a malformed percent-encoding',
        field: 'path',
      });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      res
        .status(status)
        .json(
          typeof body === 'object'
            ? { code: CODE_BY_STATUS[status] ?? 'REQUEST.INVALID', ...body }
            : { statusCode: status, code: CODE_BY_STATUS[status] ?? 'REQUEST.INVALID', message: body },
        );
      return;
    }
    const exposed = exposedHttpError(error);
    if (exposed) {
      res.status(exposed.statusCode).json(exposed);
      return;
    }
    const requestId = typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : undefined;
    // An outage, not a bug: the client retries (intake is idempotent by source reference), the log says which part.
    if (isDatabaseUnavailable(error)) {
      this.logger.warn({ ...describe(error), requestId }, 'database unavailable');
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({
        statusCode: 503,
        code: 'DATABASE.UNAVAILABLE',
        message: 'The database is unavailable right now; retry in a moment.',
        ...(requestId ? { requestId } : {}),
      });
      return;
    }
    this.logger.error({ ...describe(error), requestId }, 'unhandled error');
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      statusCode: 500,
      code: 'INTERNAL',
      message: 'Something went wrong on our side. Quote the request id when you report it.',
      ...(requestId ? { requestId } : {}),
    });
  }
}

/** The code of an HTTP exception that brings none (Nest's pipes and guards): the project's error shape has one. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'REQUEST.INVALID',
  401: 'AUTH.UNAUTHENTICATED',
  403: 'AUTH.FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** What body-parser's errors say, in our words: its own messages quote the body (`Unexpected token … "https://…`). */
const BODY_ERRORS: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'REQUEST.MALFORMED', message: 'the body is not well-formed JSON' },
  'charset.unsupported': {
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    message: 'the body is in a character set this route does not read (send UTF-8)',
  },
  'encoding.unsupported': {
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    message: 'the body has a Content-Encoding this route does not read',
  },
};

/** Nest's answer when no route matches the method and path: a NotFoundException saying `Cannot GET /path`. */
function isUnmatchedRoute(error: unknown, req: Request): boolean {
  if (!(error instanceof NotFoundException)) return false;
  const body = error.getResponse();
  const message = typeof body === 'object' ? (body as { message?: unknown }).message : body;
  return typeof message === 'string' && message.startsWith(`Cannot ${req.method} `);
}

/** Nest's answer to Express's URIError (`Failed to decode param '%E0…'`). */
function isUndecodablePath(error: unknown): boolean {
  if (!(error instanceof BadRequestException)) return false;
  const body = error.getResponse();
  const message = typeof body === 'object' ? (body as { message?: unknown }).message : body;
  return typeof message === 'string' && message.startsWith('Failed to decode param');
}

interface RouterLayer {
  route?: { methods?: Record<string, boolean> };
  match?: (path: string) => boolean;
}

/** The methods Express has routes for on this path (HEAD with GET, as Express answers it), for `405` and `Allow`. */
function allowedMethods(req: Request): string[] {
  const app = req.app as unknown as { router?: { stack?: RouterLayer[] } } | undefined;
  const methods = new Set<string>();
  for (const layer of app?.router?.stack ?? []) {
    if (!layer.route?.methods || typeof layer.match !== 'function' || !layer.match(req.path)) continue;
    // A route for every method is middleware mounted on all routes (the HTTP metrics), not an endpoint.
    if (HTTP_METHODS.every((m) => layer.route?.methods?.[m.toLowerCase()])) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') methods.add(method.toUpperCase());
    }
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** An error that says it may be shown to the client (http-errors' `expose`, set for 4xx): body-parser's. */
export function exposedHttpError(error: unknown): (Record<string, unknown> & { statusCode: number }) | null {
  const e = error as HttpErrorLike | null;
  if (!e || typeof e !== 'object' || e.expose !== true || typeof e.status !== 'number') return null;
  if (e.status < 400 || e.status > 499) return null;
  if (e.type === 'entity.too.large' && typeof e.limit === 'number') {
    return {
      statusCode: 413,
      code: 'REQUEST.TOO_LARGE',
      message: `the body is larger than this route takes (${formatBytes(e.limit)})`,
      limit: e.limit,
    };
  }
  const known = typeof e.type === 'string' ? BODY_ERRORS[e.type] : undefined;
  return {
    statusCode: e.status,
    code: known?.code ?? 'REQUEST.INVALID',
    message: known?.message ?? 'the request body could not be read',
    field: 'body',
  };
}

/** For the log only. A failed query is described by its SQLSTATE and where, never by its text or parameters. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof QueryFailedError) {
    const driver = error.driverError as Record<string, unknown>;
    const pick = (k: string) => (typeof driver[k] === 'string' ? { [k]: driver[k] } : {});
    return {
      error: 'QueryFailedError',
      ...pick('code'),
      ...pick('table'),
      ...pick('column'),
      ...pick('constraint'),
      ...pick('routine'),
    };
  }
  if (error instanceof Error) return { error: error.name, message: error.message, stack: error.stack };
  return { error: typeof error };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} kB`;
  return `${n} bytes`;
}
