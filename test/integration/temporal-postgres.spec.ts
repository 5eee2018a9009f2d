import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import {
  ensureTemporalServerBinaries,
  freePort,
  startTemporalOnPostgres,
  type RunningTemporal,
} from '@takedown/dev';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { storeNotice } from '../support/notices';

/**
 * TEMPORAL_PERSISTENCE=postgres: the Temporal server built from Go, its schema set up by Temporal's SQL tool in the
 * test stack's PostgreSQL (databases of this test's own), runs a notice workflow until its first timer fires, keeps
 * the workflow in PostgreSQL and finds it again after a restart. The first run builds the server (minutes); later
 * runs take it from the cache.
 */
describe('Temporal server with PostgreSQL persistence', () => {
  const suffix = randomUUID().slice(0, 8);
  const databases = { main: `temporal_it_${suffix}`, visibility: `temporal_it_vis_${suffix}` };
  const dataDir = path.join(process.env.TAKEDOWN_TEST_DIR as string, `temporal-postgres-${suffix}`);
  const databaseUrl = process.env.DATABASE_URL as string;
  let port: number;
  let temporal: RunningTemporal | null = null;
  let sys: RunningSystem | null = null;

  const start = async () =>
    startTemporalOnPostgres({
      binaries: await ensureTemporalServerBinaries({
        log: (line) => process.stderr.write(`[temporal-postgres] ${line}\n`),
      }),
      databaseUrl,
      databases,
      dataDir,
      port,
      logFile: path.join(dataDir, 'server.log'),
    });

  beforeAll(async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    port = await freePort();
    temporal = await start();
  }, 900_000);

  afterAll(async () => {
    await sys?.stop();
    await temporal?.stop();
    const admin = new PgClient({ connectionString: databaseUrl });
    await admin.connect();
    for (const db of Object.values(databases))
      await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  });

  it('runs a notice workflow to its first timer, keeps it in PostgreSQL, and still has it after a restart', async () => {
    sys = await startSystem({ TEMPORAL_ADDRESS: temporal!.address, POLICY_PROFILE: 'demo' });
    const db = sys.app.get(DataSource);
    const { ip } = await storeCustomer(db, { policyProfile: 'demo' });
    // Demo policy, terrorist content: the first reminder is due 3 s after receipt, the deadline at 12 s.
    const { notice, input } = await storeNotice(db, { category: 'terrorist_content', ip });
    const workflowId = noticeWorkflowId(notice.id);
    const connection = await Connection.connect({ address: temporal!.address });
    try {
      const client = new Client({ connection });
      await client.workflow.start(noticeWorkflow, {
        args: [input],
        workflowId,
        taskQueue: sys.env.TEMPORAL_TASK_QUEUE,
      });
      const reminded = await eventually(
        async () =>
          (await db.query(
            `SELECT occurred_at FROM notice_events WHERE notice_id = $1 AND type = 'customer_reminded'`,
            [notice.id],
          )) as { occurred_at: Date }[],
        (rows) => rows.length === 1,
        60_000,
      );
      expect(reminded[0].occurred_at.getTime()).toBeGreaterThanOrEqual(notice.receivedAt.getTime() + 3000);
    } finally {
      await connection.close();
    }

    const temporalDb = new PgClient({ connectionString: withDatabase(databaseUrl, databases.main) });
    await temporalDb.connect();
    try {
      const { rows } = await temporalDb.query(`SELECT 1 FROM current_executions WHERE workflow_id = $1`, [
        workflowId,
      ]);
      expect(rows).toHaveLength(1);
    } finally {
      await temporalDb.end();
    }

    await sys.stop();
    sys = null;
    await temporal!.stop();
    temporal = await start();
    const again = await Connection.connect({ address: temporal.address });
    try {
      // The frontend listens before the history service has joined its ring: until then a read answers UNAVAILABLE
      // ("Not enough hosts to serve the request"), which is the server starting, not the workflow lost.
      const handle = new Client({ connection: again }).workflow.getHandle(workflowId);
      const status = await eventually(
        () =>
          handle.describe().then(
            (d) => d.status.name,
            (err: Error) =>
              /not enough hosts/i.test(`${err.message} ${(err.cause as Error | undefined)?.message}`)
                ? 'starting'
                : err.message,
          ),
        (s) => s !== 'starting',
        60_000,
      );
      expect(status).toBe('RUNNING');
    } finally {
      await again.close();
    }
  });
});

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
