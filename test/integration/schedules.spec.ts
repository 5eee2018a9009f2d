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
import { CapturedMailbox } from '@takedown/mail';
import { insertRemovalOrder, NoticeReportEntity } from '@takedown/persistence';
import {
  auditHeadScheduleId,
  ensureSchedules,
  legalMessagesScheduleId,
  retentionScheduleId,
} from '@takedown/worker/schedules';
import { WorkerModule } from '@takedown/worker/worker.module';
import { tokenFor } from '../support/api';
import { testEnv } from '../support/env';
import { storeCustomer } from '../support/customers';
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
  let mailbox: CapturedMailbox;

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
    mailbox = new CapturedMailbox(env.MAIL_CAPTURE_DIR as string);
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
    for (const id of [
      auditHeadScheduleId(taskQueue),
      retentionScheduleId(taskQueue),
      legalMessagesScheduleId(taskQueue),
    ]) {
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

  /**
   * The legal-messages schedule, run only when a test triggers it. At its default interval (30 s) it can run on its
   * own between a test's inserts and its trigger, and the triggered run then finds nothing left to send: the likely
   * cause of warm run M's failure (6 December 2026: 0 receipts sent where 2 were due).
   */
  async function legalMessagesWhenTriggered(): Promise<ScheduleHandle> {
    await ensureSchedules(client, {
      taskQueue,
      auditHeadEverySeconds: null,
      retentionCron: null,
      legalMessagesEverySeconds: 86_400,
    });
    const handle = client.schedule.getHandle(legalMessagesScheduleId(taskQueue));
    expect((await handle.describe()).spec.intervals).toEqual([
      expect.objectContaining({ every: 86_400_000 }),
    ]);
    return handle;
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

  it('the legal-messages schedule confirms each report once to its sender, and an anonymous one to nobody', async () => {
    const handle = await legalMessagesWhenTriggered();
    expect((await handle.describe()).action).toMatchObject({
      workflowType: 'legalMessagesWorkflow',
      taskQueue,
    });
    const { notice } = await storeNotice(own.db, {
      category: 'phishing',
      sourceContact: 'Desk@Hotline.example',
    });
    // A second reporter joins the notice; a third report comes without a contact (a hotline may stay anonymous).
    await own.db.getRepository(NoticeReportEntity).save({
      noticeId: notice.id,
      sourceKind: 'public',
      sourceName: 'A member of the public',
      sourceReference: 'second-reporter-ref',
      sourceContact: 'someone@public.example',
      receivedAt: new Date(),
    });
    const { notice: anonymous } = await storeNotice(own.db, { category: 'csam', sourceContact: '' });
    const reports = (await own.db.query(
      `SELECT id::text, notice_id, source_reference FROM notice_reports WHERE notice_id = ANY($1) ORDER BY id`,
      [[notice.id, anonymous.id]],
    )) as { id: string; notice_id: string; source_reference: string }[];
    expect(reports).toHaveLength(3);

    const first = (await runNow(handle)) as { receipts: { sent: number; anonymous: number } };
    expect(first.receipts.sent).toBeGreaterThanOrEqual(2);
    expect(first.receipts.anonymous).toBeGreaterThanOrEqual(1);
    const [a, b, c] = reports;
    const [toFirst] = await mailbox.withKey(`report:${a.id}:receipt`);
    expect(toFirst.to).toEqual(['desk@hotline.example']);
    expect(toFirst.subject).toBe(`[Takedown] Received: your report ${notice.sourceReference}`);
    expect(toFirst.text).toContain(notice.id);
    expect(toFirst.text).toContain('by automated means');
    expect(toFirst.text).not.toContain('/gallery/');
    const [toSecond] = await mailbox.withKey(`report:${b.id}:receipt`);
    expect(toSecond.to).toEqual(['someone@public.example']);
    // Each reporter hears only of its own report.
    expect(toSecond.text).toContain('second-reporter-ref');
    expect(toSecond.text).not.toContain(notice.sourceReference);
    expect(await mailbox.withKey(`report:${c.id}:receipt`)).toEqual([]);
    const state = (await own.db.query(
      `SELECT receipt_due, receipt_sent_at IS NOT NULL AS sent FROM notice_reports WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [reports.map((r) => r.id)],
    )) as { receipt_due: boolean; sent: boolean }[];
    expect(state).toEqual([
      { receipt_due: false, sent: true },
      { receipt_due: false, sent: true },
      { receipt_due: false, sent: false },
    ]);

    // Nothing is due any more: the next run sends nothing, and no receipt went twice.
    expect(await runNow(handle)).toEqual({
      receipts: { sent: 0, anonymous: 0 },
      orderInformation: { sent: 0, withheld: 0 },
    });
    expect(await mailbox.withKey(`report:${a.id}:receipt`)).toHaveLength(1);
    expect(await mailbox.withKey(`report:${b.id}:receipt`)).toHaveLength(1);
  }, 60_000);

  it('the legal-messages schedule tells the content provider of a removal under an order, unless the order says not to', async () => {
    const handle = await legalMessagesWhenTriggered();
    const { customer, contacts } = await storeCustomer(own.db, { language: 'nl' });
    const order = async (informProvider: boolean, removed: boolean) => {
      const { notice } = await storeNotice(own.db, { category: 'terrorist_content', sourceContact: '' });
      await own.db.query(
        `UPDATE notices SET customer_id = $2, removed_at = $3, outcome = $4, state = $5, closed_at = $3 WHERE id = $1`,
        [
          notice.id,
          customer.id,
          removed ? new Date() : null,
          removed ? 'removed_in_time' : null,
          removed ? 'closed' : 'customer_notified',
        ],
      );
      const { id } = await insertRemovalOrder(own.db, {
        id: randomUUID(),
        noticeId: notice.id,
        authority: 'Bundeskriminalamt',
        memberState: 'DE',
        reference: `BKA-${randomUUID()}`,
        issuedAt: new Date(),
        receivedAt: new Date(),
        urls: ['https://files.tenant-a.example/video/1'],
        reasons: 'Glorification of a terrorist attack',
        contactPoint: 'tco@bka.example',
        informProvider,
        receivedBy: 'desk',
      });
      return id;
    };
    const told = await order(true, true);
    const secret = await order(false, true);
    const notYet = await order(true, false);

    const run = (await runNow(handle)) as { orderInformation: { sent: number; withheld: number } };
    expect(run.orderInformation).toEqual({ sent: 1, withheld: 1 });
    const [mail] = await mailbox.withKey(`order:${told}:information`);
    expect(mail.to).toEqual(contacts);
    expect(mail.subject).toMatch(/^\[Takedown\] Inhoud verwijderd op verwijderingsbevel BKA-/);
    expect(mail.text).toContain('Bundeskriminalamt (DE)');
    expect(mail.text).toContain('Glorification of a terrorist attack');
    expect(mail.text).toContain('aanvechten bij de rechter');
    expect(await mailbox.withKey(`order:${secret}:information`)).toEqual([]);
    expect(await mailbox.withKey(`order:${notYet}:information`)).toEqual([]);

    const desk = await tokenFor(own.app, 'abuse_desk');
    const view = async (id: string) =>
      (
        await request(own.app.getHttpServer())
          .get(`/v1/orders/${id}`)
          .set('authorization', `Bearer ${desk}`)
          .expect(200)
      ).body as { providerInformed: string | null; providerInformedAt: string | null };
    expect(await view(told)).toMatchObject({
      providerInformed: 'sent',
      providerInformedAt: expect.any(String),
    });
    expect(await view(secret)).toMatchObject({ providerInformed: 'withheld' });
    expect(await view(notYet)).toMatchObject({ providerInformed: null, providerInformedAt: null });
    // Once told, never again.
    expect(((await runNow(handle)) as { orderInformation: unknown }).orderInformation).toEqual({
      sent: 0,
      withheld: 0,
    });
    expect(await mailbox.withKey(`order:${told}:information`)).toHaveLength(1);
  }, 60_000);
});
