import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createDatabaseProbe, type DatabaseProbe } from '@takedown/persistence';
import { AppConfig } from '../app-config';

/** PostgreSQL as /health sees it: on a connection of its own, so that a busy pool does not look like an outage. */
@Injectable()
export class PostgresProbe implements OnApplicationShutdown {
  private readonly probe: DatabaseProbe;

  constructor(config: AppConfig) {
    this.probe = createDatabaseProbe(config.env.DATABASE_URL);
  }

  ping(timeoutMs: number): Promise<void> {
    return this.probe.ping(timeoutMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.probe.close();
  }
}
