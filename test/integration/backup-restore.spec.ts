import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ensurePgClientTools, type PgClientTools } from '@takedown/dev';
import { verifyAuditChain } from '@takedown/persistence';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';

const run = promisify(execFile);

interface NoticeView {
  id: string;
  state: string;
  outcome: string | null;
  policy: string | null;
  timeline: { type: string; at: string; actor: string }[];
}

/**
 * docs/operations.md, tested: the application database is dumped with pg_dump while the system runs, restored with
 * pg_restore into a fresh database, and the API and worker started against that database pick up where they were:
 * the notice submitted before the dump keeps its timeline, its workflow (still running in Temporal) takes the next
 * step and writes it into the restored database, and new notices are taken.
 */
describe('backup and restore of PostgreSQL (pg_dump, pg_restore into a fresh database)', () => {
  const adminUrl = testEnv().DATABASE_URL;
  const name = `restored_${randomBytes(4).toString('hex')}`;
  const restoredUrl = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-backup-'));
  const dump = path.join(dir, 'takedown.dump');
  // The worker after the restore must serve the workflows that the one before started.
  const TEMPORAL_TASK_QUEUE = `restore-${randomUUID()}`;
  let tools: PgClientTools;
  let admin: Client;
  let before: RunningSystem | undefined;
  let after: RunningSystem | undefined;

  beforeAll(async () => {
    tools = await ensurePgClientTools({ log: (line) => process.stderr.write(`[pg-tools] ${line}\n`) });
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
  }, 600_000);

  afterAll(async () => {
    await before?.stop().catch(() => undefined);
    await after?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const notice = (sys: RunningSystem, id: string, done: (n: NoticeView) => boolean) =>
    eventually(async () => (await sys.http.get(`/v1/notices/${id}`).expect(200)).body as NoticeView, done);
  const submit = (sys: RunningSystem, ip: string) =>
    sys.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
        sourceReference: `restore-${randomUUID()}`,
        category: 'csam',
        urls: [`https://files.tenant-a.example/gallery/${randomUUID()}`],
        ip,
      })
      .expect(201);

  it('a notice submitted before the dump continues on the restored database, and new notices are taken', async () => {
    before = await startSystem({ TEMPORAL_TASK_QUEUE });
    // The default policy: the CSAM deadline is hours away, so no timer fires between the dump and the restore.
    const { ip } = await storeCustomer(before.app.get(DataSource));
    const created = (await submit(before, ip)).body as { id: string };
    const dumped = await notice(before, created.id, (n) => n.state === 'customer_notified');

    expect(Number(tools.version.split('.')[0])).toBeGreaterThanOrEqual(18);
    await run(tools.pgDump, ['--format=custom', '--file', dump, adminUrl]);
    await before.stop();
    before = undefined;

    await admin.query(`CREATE DATABASE ${name}`);
    await run(tools.pgRestore, ['--no-owner', '--exit-on-error', '--dbname', restoredUrl, dump]);

    after = await startSystem({ DATABASE_URL: restoredUrl, TEMPORAL_TASK_QUEUE });
    const restored = await notice(after, created.id, () => true);
    expect(restored).toMatchObject({ state: 'customer_notified', policy: dumped.policy });
    expect(restored.timeline).toEqual(dumped.timeline);

    // The workflow, still running in Temporal, takes the next steps; the worker writes them into the restored database.
    await after.http
      .post(`/v1/notices/${created.id}/actions/customer-response`)
      .send({ kind: 'removed', by: 'customer:restore-test' })
      .expect(200);
    await notice(after, created.id, (n) => n.state === 'awaiting_confirmation');
    await after.http
      .post(`/v1/notices/${created.id}/actions/confirm-removal`)
      .send({ by: 'source:hotline' })
      .expect(200);
    const closed = await notice(after, created.id, (n) => n.state === 'closed');
    expect(closed.outcome).toBe('removed_in_time');
    expect(closed.timeline.slice(0, dumped.timeline.length)).toEqual(dumped.timeline);
    expect(closed.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['removal_claimed', 'task_opened', 'closed']),
    );
    // The database the dump was taken from did not see those steps.
    const { rows } = await admin.query(`SELECT state FROM notices WHERE id = $1`, [created.id]);
    expect(rows).toEqual([{ state: 'customer_notified' }]);

    const next = (await submit(after, ip)).body as { id: string };
    await notice(after, next.id, (n) => n.state === 'customer_notified');
    // The audit trail came across whole: its hash chain verifies in the restored database.
    expect(await verifyAuditChain(after.app.get(DataSource))).toMatchObject({ ok: true });
  }, 300_000);
});
