import { Module, type DynamicModule } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import type { Env } from '@takedown/config';

/** The validated configuration, as a class token so that Nest can inject it (no string tokens). */
export class AppConfig {
  constructor(
    readonly env: Env & { DATABASE_URL: string; TEMPORAL_ADDRESS: string },
    /** Where the JSON log goes; standard output unless a test captures it. */
    readonly logDestination?: DestinationStream,
  ) {}
}

@Module({})
class AppConfigModule {}

/** Makes the configuration injectable everywhere in an application (the HTTP app, the CLI's mail pipe). */
export function appConfigModule(config: AppConfig): DynamicModule {
  return {
    module: AppConfigModule,
    global: true,
    providers: [{ provide: AppConfig, useValue: config }],
    exports: [AppConfig],
  };
}
