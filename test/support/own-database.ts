import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { dataSourceOptions, runMigrations } from '@takedown/persistence';
import { testEnv } from './env';

export interface OwnDatabase {
  /** Known at once, for commands a test builds before `start()`. */
  url: string;
  /** Set by `start()`. */
  db: DataSource;
  /** The API against the database, initialised (not listening); set by `start()`. */
  app: INestApplication;
  start(): Promise<void>;
  /** Closes the app and the connections and drops the database; safe after a failed `start()`. */
  stop(): Promise<void>;
}

/**
 * A database of a test's own on the test stack's PostgreSQL, migrated, with the API app against it: for tests that
 * count every row of a table (other tests' rows stay out of it).
 */
export function ownDatabase(prefix: string): OwnDatabase {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const adminUrl = testEnv().DATABASE_URL;
  let admin: Client | undefined;
  const own: Partial<OwnDatabase> & { url: string } = { url: adminUrl.replace(/\/[^/]+$/, `/${name}`) };
  own.start = async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await runMigrations(own.url);
    own.db = await new DataSource(dataSourceOptions(own.url)).initialize();
    own.app = await createApp(new AppConfig(testEnv({ DATABASE_URL: own.url })));
    await own.app.init();
  };
  own.stop = async () => {
    await own.app?.close();
    await own.db?.destroy();
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
  };
  return own as OwnDatabase;
}
