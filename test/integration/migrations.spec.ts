import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@takedown/persistence';
import { testEnv } from '../support/env';

/** Every migration must apply to an empty database, revert completely, and apply again. */
describe('migrations', () => {
  const name = `migrations_${randomBytes(4).toString('hex')}`;
  const adminUrl = testEnv().DATABASE_URL;
  const url = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  const tables = async (ds: DataSource): Promise<string[]> =>
    (
      (await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1`,
      )) as { table_name: string }[]
    ).map((r) => r.table_name);

  it('goes from a fresh database to the latest schema, all the way down, and up again', async () => {
    const ds = await new DataSource(dataSourceOptions(url, { logging: false })).initialize();
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.length).toBe(ds.migrations.length);
      const latest = await tables(ds);
      expect(latest).toEqual(expect.arrayContaining(['notices', 'notice_events', 'outbound_emails']));

      for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables(ds)).toEqual([]);

      await ds.runMigrations({ transaction: 'each' });
      expect(await tables(ds)).toEqual(latest);
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
    }
  });
});
