import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { nestLogger } from '@takedown/observability';
import { redactRequestForLog } from './log-redaction';

/** Requests the log leaves out: the probes of load balancers and Prometheus, many a minute. */
const UNLOGGED = new Set(['/health', '/metrics']);

/** The request being served, for the log lines written while serving it. */
interface RequestScope {
  request: FastifyRequest;
  /** Bound to the request on the first line written for it: most requests write none. */
  logger?: Logger;
}

/**
 * One for the process, as Nest's logger is: every application of a process (tests start several) finds the request
 * it serves here, whichever application's logger Nest writes through.
 */
const scope = new AsyncLocalStorage<RequestScope>();

/**
 * The API's log: pino JSON lines, a line per request when it is answered (`request completed`, or `request errored`
 * for a 5xx; at level info either way, as an error's own line is the errors filter's) with the request as
 * `redactRequestForLog` leaves it, the response's status and headers and `responseTime` in ms, and every line Nest
 * and the services write while serving a request bound to that request.
 *
 * Fastify hooks, not Express middleware: at 32 clients on `GET /v1/attribution`, pino-http through Nest's middleware
 * layer (@fastify/middie) took a sixth of the API's throughput (bench:api, docs/scaling.md), mostly by serializing the
 * request into a child logger for every request, at any level. Here the request is serialized only for a line that is
 * written.
 */
export class RequestLog {
  readonly root: Logger;

  constructor(level: string, destination?: DestinationStream) {
    const options: pino.LoggerOptions = {
      level: level as LevelWithSilent,
      // Request bodies are never logged: they carry reported URLs. Credentials neither, nor signed-link tokens.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        // The fields of pino's standard request serializer, then redacted.
        req: (req: FastifyRequest) =>
          redactRequestForLog({
            id: req.id,
            method: req.method,
            url: req.originalUrl,
            query: req.query as Record<string, unknown>,
            params: req.params as Record<string, unknown>,
            headers: req.headers,
            remoteAddress: req.socket?.remoteAddress,
            remotePort: req.socket?.remotePort,
          }),
        res: pino.stdSerializers.res,
        err: pino.stdSerializers.err,
      },
    };
    this.root = destination ? pino(options, destination) : pino(options);
  }

  /** The logger for a line written now: bound to the request being served, if any. */
  current(): Logger {
    const serving = scope.getStore();
    if (!serving) return this.root;
    serving.logger ??= this.root.child({ req: serving.request });
    return serving.logger;
  }

  /** Nest's logger on this log (`app.useLogger`); a line below the level binds no request. */
  nest(): LoggerService {
    return nestLogger((level) => (this.root.isLevelEnabled(level) ? this.current() : this.root));
  }

  /**
   * The request's scope is entered before its handler (preHandler: after the body is read, whose stream events would
   * leave a scope entered earlier), and the request's line is written when its answer is sent.
   */
  register(fastify: FastifyInstance): void {
    fastify.addHook('preHandler', (request, _reply, done) => scope.run({ request }, done));
    fastify.addHook('onResponse', (request, reply, done) => {
      if (this.root.isLevelEnabled('info') && !UNLOGGED.has(request.raw.url ?? '')) {
        this.root.info(
          { req: request, res: reply.raw, responseTime: Math.round(reply.elapsedTime) },
          reply.statusCode >= 500 ? 'request errored' : 'request completed',
        );
      }
      done();
    });
  }
}
