import { NestFactory, Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from './app-config';
import { AppModule } from './app.module';
import { BearerAuthentication } from './auth/bearer';
import { registerBodyParsers } from './common/body-limits';
import { ErrorsFilter } from './common/errors.filter';
import { requestIdOf } from './common/request-id';
import { RequestLog } from './common/request-log';
import { RouteTable } from './common/route-table';
import { RejectUnstorableTextInterceptor } from './common/unstorable-text';
import { TokenThrottlerGuard } from './common/rate-limit';
import { securityHeaders } from './common/security-headers';
import { validationPipe } from './common/validation';
import { consoleConnectSources, serveConsole } from './console/serve-console';
import { HttpMetrics } from './metrics/metrics.module';
import { openApiDocument } from './openapi-document';

/**
 * Builds the API application on Nest's Fastify adapter, initialised and ready to serve (used by main.ts and by the
 * e2e tests, which drive it through HTTP: `app.init()` after this is a no-op).
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const headers = securityHeaders(consoleConnectSources(config.env));
  const adapter = new FastifyAdapter({
    genReqId: requestIdOf,
    routerOptions: {
      // As Express matched routes: any case, with a trailing slash or without.
      caseSensitive: false,
      ignoreTrailingSlash: true,
      // A signed link's token is a path parameter, longer than Fastify's default of 100 characters.
      maxParamLength: 2048,
    },
    // A path with a broken percent-encoding never reaches a route: answered here, in the project's error shape,
    // without quoting the path (Fastify's own answer does).
    frameworkErrors: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
      headers.call(adapter.getInstance(), req, reply, () => {
        const malformed = error.code === 'FST_ERR_BAD_URL';
        reply.status(400).send({
          statusCode: 400,
          code: 'REQUEST.INVALID',
          message: malformed ? 'the path holds a malformed percent-encoding' : 'the path is too long',
          field: 'path',
        });
      }),
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', headers);
  // On SIGTERM the server stops taking connections and lets the requests in flight finish. Node then closes the
  // connections idle at that moment, but not one whose request was still in flight: after its answer it stayed open,
  // kept alive (Fastify's keepAliveTimeout, 72 s), and the process with it. An answer sent while closing tells the
  // client so (`Connection: close`), and Node closes the connection once the answer is out.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    bufferLogs: true,
    // Bodies are read per route, with a limit each (common/body-limits.ts).
    bodyParser: false,
  });
  // Routes are registered from here on (Nest's at init).
  const routes = app.get(RouteTable);
  fastify.addHook('onRoute', routes.onRoute);
  fastify.addHook('onResponse', app.get(HttpMetrics).onResponse);
  const bearer = app.get(BearerAuthentication);
  registerBodyParsers(fastify, (req, reply) => bearer.principalOf(req, reply));
  await serveConsole(app, config.env);
  const log = app.get(RequestLog);
  log.register(fastify);
  app.useLogger(log.nest());
  // After the APP_GUARD guards (authentication), so that it counts per principal.
  app.useGlobalGuards(app.get(TokenThrottlerGuard));
  app.useGlobalInterceptors(new RejectUnstorableTextInterceptor(app.get(Reflector)));
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ErrorsFilter(routes));
  app.enableShutdownHooks();
  // Built on the first request for it, not with every start: scanning the routes costs about 200 ms of CPU, which
  // each start of the API (and each test file that starts one) would pay for a page few ever open.
  SwaggerModule.setup('docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    // The token pasted into Authorize lives in the page only: persisted, it would sit in localStorage, where any
    // script of the origin and anyone at the browser later can read it.
    swaggerOptions: { persistAuthorization: false },
  });
  await app.init();
  await fastify.ready();
  return app;
}
