import * as path from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/**
 * One description of the database for the API, the worker, the CLI, the migration CLI and the tests. Entities and
 * migrations are found by file name so that a new one needs no list to be kept in step; `synchronize` stays off:
 * every schema change is a migration.
 */
export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [path.join(__dirname, 'entities', '*.entity.{ts,js}')],
    migrations: [path.join(__dirname, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
    ...extra,
  } as DataSourceOptions;
}
