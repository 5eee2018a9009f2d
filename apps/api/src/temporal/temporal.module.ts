import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions, temporalDataConverter } from '@takedown/config';
import { AppConfig } from '../app-config';

/**
 * Provides the Temporal client. The connection is lazy, so the API starts (and /health says which part is down)
 * while Temporal is still starting or unreachable; a request that needs Temporal then fails with 503.
 */
@Global()
@Module({
  providers: [
    {
      provide: Connection,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        Connection.lazy({
          ...temporalConnectionOptions(config.env, config.env.TEMPORAL_ADDRESS),
          connectTimeout: '3 seconds',
        }),
    },
    {
      provide: Client,
      inject: [Connection, AppConfig],
      useFactory: (connection: Connection, config: AppConfig) =>
        // Resolved at start: production without TEMPORAL_PAYLOAD_KEYS stops at once, naming it.
        new Client({
          connection,
          namespace: config.env.TEMPORAL_NAMESPACE,
          dataConverter: temporalDataConverter(config.env),
        }),
    },
  ],
  exports: [Client, Connection],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(@Inject(Connection) private readonly connection: Connection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
