import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { deployedOpenApiDocument } from '@takedown/api/openapi-document';

const root = path.join(__dirname, '..', '..');

/**
 * The console's typed client is generated from apps/api/openapi.json (`npm run openapi`). When a route or DTO
 * changes and the file is not regenerated, client and API drift apart: this fails first.
 */
describe('the committed OpenAPI document', () => {
  // Built once for the file: each build wires the whole application.
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await deployedOpenApiDocument();
  });

  it('is the document the API builds now (run `npm run openapi` when this fails)', () => {
    const committed = JSON.parse(
      fs.readFileSync(path.join(root, 'apps', 'api', 'openapi.json'), 'utf8'),
    ) as unknown;
    const built = JSON.parse(JSON.stringify(document)) as unknown;
    expect(committed).toEqual(built);
  });

  it('documents GET /v1/me and the routes the console calls, and no development-only route', () => {
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/me',
        '/v1/notices',
        '/v1/notices/{id}',
        '/v1/notices/{id}/actions/{action}',
        '/v1/tasks',
        '/v1/tasks/{id}/complete',
        '/v1/customers/{id}',
      ]),
    );
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/dev/'))).toEqual([]);
  });

  it('generated the console client from the committed document', () => {
    const schema = fs.readFileSync(path.join(root, 'apps', 'console', 'src', 'api', 'schema.d.ts'), 'utf8');
    const document = JSON.parse(fs.readFileSync(path.join(root, 'apps', 'api', 'openapi.json'), 'utf8')) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    for (const route of Object.keys(document.paths)) expect(schema).toContain(`'${route}': {`);
    for (const name of Object.keys(document.components.schemas)) expect(schema).toContain(`    ${name}: {`);
  });
});
