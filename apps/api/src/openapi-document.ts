import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { loadEnv } from '@takedown/config';
import { AppConfig } from './app-config';
import { AppModule } from './app.module';
import { describeRoles } from './auth/openapi';
import { documentCommonResponses } from './common/openapi';
import { documentValidationRules } from './common/openapi-rules';

/** The API's OpenAPI document, as served at /docs-json, from the routes and DTOs of a built application. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Takedown API')
      .setDescription('Notice-and-takedown escalation for hosting providers and colocation datacenters')
      .setVersion('0.1.0')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'td_… API token, or an OIDC JWT',
        description: 'An API token (td_…, from `npm run takedown -- token create`) or an OIDC access token',
      })
      .build(),
  );
  describeRoles(document);
  documentCommonResponses(document);
  documentValidationRules(app, document);
  return document;
}

/**
 * The document of the API as deployed, built without a database or Temporal: Nest's preview mode wires the modules
 * and reads the routes' metadata but instantiates no provider, so nothing connects. The development-only routes
 * (the captured mailbox, present only with MAIL_CAPTURE_DIR) are not in it. `npm run openapi` writes it to
 * apps/api/openapi.json, from which the console's typed client is generated.
 */
export async function deployedOpenApiDocument(): Promise<OpenAPIObject> {
  // Never connected to (preview mode): the configuration only needs them to be well-formed.
  const unused = { DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi', TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const config = new AppConfig({ ...loadEnv({ LOG_LEVEL: 'silent', ...unused }), ...unused });
  const app = await NestFactory.create(AppModule.forConfig(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    return openApiDocument(app);
  } finally {
    await app.close();
  }
}
