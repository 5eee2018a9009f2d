import type { INestApplication } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './app-config';
import { AppModule } from './app.module';
import { BearerAuthentication } from './auth/bearer';
import { bodyParsers } from './common/body-limits';
import { ErrorsFilter } from './common/errors.filter';
import { RejectUnstorableTextInterceptor } from './common/unstorable-text';
import { TokenThrottlerGuard } from './common/rate-limit';
import { securityHeaders } from './common/security-headers';
import { validationPipe } from './common/validation';
import { consoleConnectSources, serveConsole } from './console/serve-console';
import { openApiDocument } from './openapi-document';

/** Builds the API application (used by main.ts and by the e2e tests, which drive it through HTTP). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bufferLogs: true,
    // Body parsers are chosen per route, with a limit each (common/body-limits.ts).
    bodyParser: false,
  });
  app.use(securityHeaders(consoleConnectSources(config.env)));
  const bearer = app.get(BearerAuthentication);
  app.use(bodyParsers((req, res) => bearer.principalOf(req, res)));
  serveConsole(app, config.env);
  app.useLogger(app.get(Logger));
  // After the APP_GUARD guards (authentication), so that it counts per principal.
  app.useGlobalGuards(app.get(TokenThrottlerGuard));
  app.useGlobalInterceptors(new RejectUnstorableTextInterceptor(app.get(Reflector)));
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ErrorsFilter());
  app.enableShutdownHooks();
  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    // The token pasted into Authorize lives in the page only: persisted, it would sit in localStorage, where any
    // script of the origin and anyone at the browser later can read it.
    swaggerOptions: { persistAuthorization: false },
  });
  return app;
}
