import * as path from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/** Connections for the CLI and the tests; the API and the worker pass DATABASE_POOL_SIZE as `poolSize`. */
export const DEFAULT_POOL_SIZE = 10;

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
    extra: { max: poolSize ?? DEFAULT_POOL_SIZE, connectionTimeoutMillis: 5000 },
    ...rest,
  } as DataSourceOptions;
}
