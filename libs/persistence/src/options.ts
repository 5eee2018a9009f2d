import * as path from 'node:path';
import type { PoolClient } from 'pg';
import type { DataSourceOptions } from 'typeorm';

/** Connections for the CLI and the tests; the API and the worker pass DATABASE_POOL_SIZE as `poolSize`. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * Every connection listens for its own errors from its first moment to its end. pg emits the server's goodbye (57P01
 * when PostgreSQL shuts down) on the client when no query runs on it, and an 'error' event nobody listens to ends the
 * process. The pool listens while a connection is idle and TypeORM's query runner while it holds one, but not in
 * between: a connection handed to a waiting query runner in the same turn as the goodbye had no listener, and a
 * worker died of it when PostgreSQL stopped under load (the fault suite). Its holder still gets the error at its next
 * query, and the pool drops the connection when it comes back.
 */
function listenForErrors(client: PoolClient): void {
  client.on('error', () => undefined);
}

/**
 * One description of the database for the API, the worker, the CLI, the migration CLI and the tests. Entities and
 * migrations are found by file name so that a new one needs no list to be kept in step; `synchronize` stays off:
 * every schema change is a migration.
 */
export function dataSourceOptions(
  url: string,
  extra: Partial<DataSourceOptions> & { poolSize?: number } = {},
): DataSourceOptions {
  const { poolSize, ...rest } = extra;
  return {
    type: 'postgres',
    url,
    entities: [path.join(__dirname, 'entities', '*.entity.{ts,js}')],
    migrations: [path.join(__dirname, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize ?? DEFAULT_POOL_SIZE, connectionTimeoutMillis: 5000, onConnect: listenForErrors },
    ...rest,
  } as DataSourceOptions;
}
