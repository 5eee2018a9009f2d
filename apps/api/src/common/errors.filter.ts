import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { isDatabaseUnavailable } from '@takedown/persistence';
import { DomainErrorFilter } from './domain-error.filter';
import type { RouteTable } from './route-table';

/**
 * The one place every error becomes a response. Domain errors keep their own mapping; HTTP exceptions keep their
 * bodies (they are written for clients; the body reader's 413 and 415 are among them, see body-limits.ts).
 * Anything else is a bug or an outage: the client gets a 500 with the request id and nothing else — no stack, no
 * SQL, no driver message — and the log gets what an operator needs, without the values the query carried (they may
 * be reported URLs).
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private readonly domain = new DomainErrorFilter();

  constructor(private readonly routes: RouteTable) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (error instanceof DomainError) return this.domain.catch(error, host);
    const http = host.switchToHttp();
    const res = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    if (res.raw.headersSent) {
      // A streamed answer (a PDF, say) failed half-way: the status is gone, only the connection can tell.
      this.logger.error(describe(error), 'error after the response started');
      res.raw.destroy();
      return;
    }
    if (isUnmatchedRoute(error, req)) {
      const allowed = this.routes.allowedMethods(req.url.split('?')[0]);
      // A route of this method that found nothing to serve (a static file that is not there) is a 404, not a 405.
      if (allowed.length && !allowed.includes(req.method)) {
        res.header('Allow', allowed.join(', '));
        res.status(HttpStatus.METHOD_NOT_ALLOWED).send({
          statusCode: 405,
          code: 'REQUEST.METHOD_NOT_ALLOWED',
          message: `this path answers ${allowed.join(', ')}`,
        });
        return;
      }
      // Nest's own message repeats the path and query string, which may hold a reported URL.
      res
        .status(HttpStatus.NOT_FOUND)
        .send({ statusCode: 404, code: 'ROUTE.NOT_FOUND', message: 'no such route' });
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      res
        .status(status)
        .send(
          typeof body === 'object'
            ? { code: CODE_BY_STATUS[status] ?? 'REQUEST.INVALID', ...body }
            : { statusCode: status, code: CODE_BY_STATUS[status] ?? 'REQUEST.INVALID', message: body },
        );
      return;
    }
    const requestId = req.id;
    // An outage, not a bug: the client retries (intake is idempotent by source reference), the log says which part.
    if (isDatabaseUnavailable(error)) {
      this.logger.warn({ ...describe(error), requestId }, 'database unavailable');
      res.status(HttpStatus.SERVICE_UNAVAILABLE).send({
        statusCode: 503,
        code: 'DATABASE.UNAVAILABLE',
        message: 'The database is unavailable right now; retry in a moment.',
        ...(requestId ? { requestId } : {}),
      });
      return;
    }
    this.logger.error({ ...describe(error), requestId }, 'unhandled error');
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).send({
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

/** Nest's answer when no route matches the method and path: a NotFoundException saying `Cannot GET /path`. */
function isUnmatchedRoute(error: unknown, req: FastifyRequest): boolean {
  if (!(error instanceof NotFoundException)) return false;
  const body = error.getResponse();
  const message = typeof body === 'object' ? (body as { message?: unknown }).message : body;
  return typeof message === 'string' && message.startsWith(`Cannot ${req.method} `);
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
