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
