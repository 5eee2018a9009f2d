import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
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
    if (error instanceof HttpException) {
      const body = error.getResponse();
      res
        .status(error.getStatus())
        .json(typeof body === 'object' ? body : { statusCode: error.getStatus(), message: body });
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

/** An error that says it may be shown to the client (http-errors' `expose`, set for 4xx): body-parser's. */
function exposedHttpError(error: unknown): (Record<string, unknown> & { statusCode: number }) | null {
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
  return {
    statusCode: e.status,
    code: 'REQUEST.INVALID',
    message: typeof e.message === 'string' ? e.message : 'the request could not be read',
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
