import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './app-config';
import { AppModule } from './app.module';
import { DomainErrorFilter } from './common/domain-error.filter';
import { validationPipe } from './common/validation';
import { NDJSON_MEDIA_TYPES, XARF_MEDIA_TYPE } from './intake/intake.dto';

/** Builds the API application (used by main.ts and by the e2e tests, which drive it through HTTP). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bufferLogs: true,
  });
  // X-ARF is JSON under its own media type; a batch of 10,000 notices is a few megabytes, as JSON or JSON lines.
  app.useBodyParser('json', { limit: '20mb', type: ['application/json', XARF_MEDIA_TYPE] });
  app.useBodyParser('text', { limit: '20mb', type: NDJSON_MEDIA_TYPES });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new DomainErrorFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Takedown API')
      .setDescription('Notice-and-takedown escalation for hosting providers and colocation datacenters')
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
