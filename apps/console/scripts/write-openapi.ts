import * as fs from 'node:fs';
import * as path from 'node:path';
import { deployedOpenApiDocument } from '@takedown/api/openapi-document';

/**
 * `npm run openapi`, first step: writes the API's OpenAPI document to apps/api/openapi.json, from which
 * openapi-typescript generates the console's client types. test/unit/openapi-document.spec.ts fails when the
 * committed document is not what the API builds.
 */
export const OPENAPI_FILE = path.resolve(__dirname, '..', '..', 'api', 'openapi.json');

async function main(): Promise<void> {
  const document = await deployedOpenApiDocument();
  fs.writeFileSync(OPENAPI_FILE, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
