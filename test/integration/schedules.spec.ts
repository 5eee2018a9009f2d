import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client, ScheduleNotFoundError, type ScheduleHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import request from 'supertest';
import { temporalDataConverter } from '@takedown/config';
import { appendAudit, parseAuditHeads, readAuditHead, verifyAuditHeads } from '@takedown/persistence';
import { createWorker } from '@takedown/worker/create-worker';
import { auditHeadScheduleId, ensureSchedules, retentionScheduleId } from '@takedown/worker/schedules';
import { WorkerModule } from '@takedown/worker/worker.module';
import { tokenFor } from '../support/api';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';
import { ownDatabase, type OwnDatabase } from '../support/own-database';

const KEY = 'audit-head-key-for-the-schedule-test-0123456789';
const DAY = 86_400_000;

/**
 * The periodic jobs are Temporal Schedules that the worker makes at start: on the real Temporal dev server, each
 * schedule is triggered and its workflow's activity seen at work (a signed head kept and exported, a retention run).
 */
describe('schedules: the signed audit head and retention on Temporal', () => {
  let own: OwnDatabase;
  let container: INestApplicationContext;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let taskQueue: string;
  let headFile: string;

  beforeAll(async () => {
    own = ownDatabase('schedules');
    await own.start();
    taskQueue = `schedules-${randomUUID()}`;
    headFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schedules-')), 'heads.jsonl');
    const env = testEnv({
      DATABASE_URL: own.url,
      TEMPORAL_TASK_QUEUE: taskQueue,
      AUDIT_HEAD_KEY: KEY,
      AUDIT_HEAD_FILE: headFile,
      RETENTION_DAYS: '30',
    });
    container = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    const dataConverter = temporalDataConverter(env);
    worker = await createWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue,
      dataConverter,
      container,
    });
    running = worker.run();
    client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter });
  }, 120_000);

  afterAll(async () => {
    for (const id of [auditHeadScheduleId(taskQueue), retentionScheduleId(taskQueue)]) {
      await client?.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
    worker?.shutdown();
    await running;
    await connection?.close();
    await container?.close();
    await own?.stop();
  });

  /** Triggers the schedule now and waits for the run it started; its result. */
  async function runNow(handle: ScheduleHandle): Promise<unknown> {
    const before = (await handle.describe()).info.numActionsTaken;
    await handle.trigger();
    let taken = await handle.describe();
    for (let i = 0; taken.info.numActionsTaken === before && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      taken = await handle.describe();
    }
    const last = taken.info.recentActions.at(-1)!;
    return client.workflow
      .getHandle(last.action.workflow.workflowId, last.action.workflow.firstExecutionRunId)
      .result();
  }

  it('are made idempotently at start: made once, brought to the configuration when it changes, removed when off', async () => {
    const config = { taskQueue, auditHeadEverySeconds: 3600, retentionCron: '15 3 * * *' };
    await ensureSchedules(client, config);
    await ensureSchedules(client, config);
    const head = client.schedule.getHandle(auditHeadScheduleId(taskQueue));
    expect((await head.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    const retention = await client.schedule.getHandle(retentionScheduleId(taskQueue)).describe();
    expect(retention.spec.calendars).toEqual([
      expect.objectContaining({
        hour: [{ start: 3, end: 3, step: 1 }],
        minute: [{ start: 15, end: 15, step: 1 }],
      }),
    ]);
    expect(retention.action).toMatchObject({ workflowType: 'retentionWorkflow', taskQueue });

    await ensureSchedules(client, { ...config, auditHeadEverySeconds: 600 });
    expect((await head.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 600_000 })]);

    await ensureSchedules(client, { ...config, retentionCron: null });
    await expect(client.schedule.getHandle(retentionScheduleId(taskQueue)).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
    // Off when it is already gone: nothing to do, no error.
    await ensureSchedules(client, { ...config, retentionCron: null });
    await ensureSchedules(client, config);
  });

  it('the audit-head schedule signs the head when the chain grew, keeps and exports it, and skips when it did not', async () => {
    await appendAudit(own.db, {
      actor: { kind: 'token', id: 'desk-1', name: 'Desk 1' },
      action: 'notice.triage',
      summary: { decision: 'one' },
    });
    const handle = client.schedule.getHandle(auditHeadScheduleId(taskQueue));
    const signed = (await runNow(handle)) as { id: string; hash: string };
    expect(signed).toEqual(expect.objectContaining(await readAuditHead(own.db)));
    expect(await runNow(handle)).toBeNull();

    const inFile = parseAuditHeads(fs.readFileSync(headFile, 'utf8'));
    expect(inFile).toEqual([signed]);
    expect(await verifyAuditHeads(own.db, KEY, inFile)).toEqual({ ok: true, heads: 1 });
    const exported = await request(own.app.getHttpServer())
      .get('/v1/audit/heads')
      .set('authorization', `Bearer ${await tokenFor(own.app, 'legal')}`)
      .expect(200)
      .expect('content-type', /application\/x-ndjson/);
    expect(parseAuditHeads(exported.text)).toEqual([signed]);
  }, 60_000);

  it('the retention schedule anonymises what the policy no longer keeps, on the audit trail as the workflow', async () => {
    const { notice } = await storeNotice(own.db, { category: 'phishing' });
    await own.db.query(
      `UPDATE notices SET state = 'closed', outcome = 'removed_in_time', closed_at = $2, deadline = received_at
       WHERE id = $1`,
      [notice.id, new Date(Date.now() - 40 * DAY)],
    );
    const result = (await runNow(client.schedule.getHandle(retentionScheduleId(taskQueue)))) as {
      rows: Record<string, number>;
    };
    expect(result.rows.notices).toBe(1);
    const [row] = (await own.db.query(`SELECT urls, anonymised_at FROM notices WHERE id = $1`, [
      notice.id,
    ])) as {
      urls: string[];
      anonymised_at: Date | null;
    }[];
    expect(row.anonymised_at).not.toBeNull();
    expect(row.urls.join(' ')).not.toContain('/gallery/');
    const audited = (await own.db.query(
      `SELECT actor_kind, actor_id FROM audit_log WHERE action = 'retention.run'`,
    )) as { actor_kind: string; actor_id: string }[];
    expect(audited).toEqual([{ actor_kind: 'workflow', actor_id: expect.stringMatching(/^retention-/) }]);
  }, 60_000);
});
