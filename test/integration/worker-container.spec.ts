import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { WorkerModule } from '@takedown/worker/worker.module';
import { testEnv } from '../support/env';

/**
 * Closing the worker's container (at the end of the worker's shutdown, and when a test stops its system) closes the
 * worker's PostgreSQL pool. It did not: every test file that started a worker left its pool's connections open to
 * the end of the run, and with them, through the connections' callbacks, the file's whole module graph.
 */
describe("the worker's container", () => {
  it('closes its PostgreSQL pool when it is closed', async () => {
    const env = testEnv();
    const container = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    const db = container.get(DataSource);
    const [{ pid }] = (await db.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];

    await container.close();

    expect(db.isInitialized).toBe(false);
    const observer = new Client({ connectionString: env.DATABASE_URL });
    await observer.connect();
    try {
      const { rows } = await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      expect(rows).toHaveLength(0);
    } finally {
      await observer.end();
    }
  });
});
