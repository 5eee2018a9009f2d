import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@takedown/persistence';
import { testEnv } from '../support/env';

/**
 * A connection that PostgreSQL ends while it is checked out of the pool and runs no query must not end the process.
 * pg then emits the server's goodbye (57P01 on a shutdown, as `pg_terminate_backend` sends it) on the client itself,
 * and an 'error' event nobody listens to is thrown. The pool listens while a connection is idle, TypeORM's query
 * runner while it holds one, but not in between: a connection handed to a waiting query runner in the same turn as
 * the server's goodbye (a PostgreSQL restart under load) had no listener, and the fault run's worker died of it.
 * Here the connection is held with no listener at all, the widest form of that window.
 */
describe('a pool connection ended by PostgreSQL while checked out', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testEnv().DATABASE_URL, { poolSize: 2 })).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('is an error for its holder, not an unhandled one for the process, and the pool goes on', async () => {
    const pool = (db.driver as unknown as { master: Pool }).master;
    const held: PoolClient = await pool.connect();
    const [{ pid }] = (await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    const ended = new Promise<void>((resolve) => held.once('end', () => resolve()));

    const [{ terminated }] = (await db.query('SELECT pg_terminate_backend($1) AS terminated', [pid])) as {
      terminated: boolean;
    }[];
    expect(terminated).toBe(true);
    await ended;

    // Its holder learns of it at its next query; the process went on (jest fails a test on an uncaught error).
    await expect(held.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/i);
    held.release(true);
    await expect(db.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });
});
