import type { Readable } from 'node:stream';
import { NestFactory } from '@nestjs/core';
import type { Env } from '@takedown/config';
import type { SourceKind } from '@takedown/domain';
import { readFeed } from '@takedown/intake';
import { cliActor, runAudited } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { FeedImportService, type FeedImportReport, type FeedPhases } from './feed-import';
import { IntakeContextModule } from './mail-pipe';

/**
 * `takedown import feed FILE`: the file streamed through FeedImportService in a Nest application context of the
 * intake (no HTTP). `phases`, when given, is filled with the time each phase of the import took (the bench prints it).
 * Returns the report, or throws FeedHeaderError when the header cannot be read (nothing imported).
 */
export async function importFeedFile(
  env: Env & { DATABASE_URL: string; TEMPORAL_ADDRESS: string },
  input: Readable,
  source: { kind: SourceKind; name: string },
  onProgress?: (report: FeedImportReport) => void,
  phases?: FeedPhases,
): Promise<FeedImportReport> {
  const config = new AppConfig(env);
  const app = await NestFactory.createApplicationContext(IntakeContextModule.forConfig(config), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    return await runAudited(
      { actor: cliActor('import feed'), role: null, requestId: null, sourceIp: null },
      () =>
        app
          .get(FeedImportService)
          .import(readFeed(input, { source: source.name }), source, { onProgress, phases }),
    );
  } finally {
    await app.close().catch(() => undefined);
  }
}
