import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DataSource } from 'typeorm';
import { temporalDataConverter } from '@takedown/config';
import { DEMO_POLICY, type CategoryPolicy } from '@takedown/domain';
import { CapturedMailbox } from '@takedown/mail';
import { NoticeEntity, NoticeEventEntity, PolicyEntity } from '@takedown/persistence';
import { createWorker } from '@takedown/worker/create-worker';
import { WorkerModule } from '@takedown/worker/worker.module';
import { confirmRemovalSignal, customerResponseSignal, statusQuery } from '@takedown/workflows/messages';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { storeNotice } from '../support/notices';

/**
 * The notice workflow on the real Temporal dev server, run by the worker that apps/worker builds, with the real
 * activities on PostgreSQL and SMTP: attribution, policy pinning, customer email, tasks, feedback.
 */
describe('notice workflow on a real Temporal server with the real activities', () => {
  const env = testEnv();
  const mailbox = new CapturedMailbox(env.MAIL_CAPTURE_DIR!);
  let temporal: TestWorkflowEnvironment;
  let container: INestApplicationContext;
  let db: DataSource;

  beforeAll(async () => {
    temporal = await TestWorkflowEnvironment.createFromExistingServer({
      address: env.TEMPORAL_ADDRESS,
      client: { dataConverter: temporalDataConverter(env) },
    });
    container = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    db = container.get(DataSource);
  });

  afterAll(async () => {
    await container?.close();
    await temporal?.teardown();
  });

  const run = async <T>(fn: (taskQueue: string) => Promise<T>): Promise<T> => {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createWorker({
      connection: temporal.nativeConnection,
      namespace: 'default',
      taskQueue,
      dataConverter: temporalDataConverter(env),
      container,
    });
    return worker.runUntil(fn(taskQueue));
  };
  /** The mails to `address` under keys starting with `prefix`, found by key (not by scanning the capture). */
  const mailTo = (address: string, prefix: string) =>
    eventually(
      async () => (await mailbox.withKeyPrefix(prefix)).filter((m) => m.to.includes(address)),
      (m) => m.length > 0,
    );
  const addPolicy = (id: string, version: number, csam: CategoryPolicy) =>
    db
      .getRepository(PolicyEntity)
      .insert({ id, version, categories: { ...DEMO_POLICY.categories, csam }, effectiveFrom: new Date() });

  it('attributes the notice, emails the customer in its language, and closes as removed_in_time', async () => {
    const profile = `quick-${randomBytes(4).toString('hex')}`;
    // 30 s: the customer's answer comes well within it on a loaded machine (12 s once did not). The reopen window
    // after closing (by default as long as the deadline) is a second, so that the workflow's result comes at once.
    await addPolicy(profile, 1, { reminders: [], deadline: 'PT30S', reopenWindow: 'PT1S' });
    const { customer, ip, contacts } = await storeCustomer(db, { language: 'nl', policyProfile: profile });
    const { outcome, notice } = await run(async (taskQueue) => {
      // Received once the worker is up (its workflow bundle built): the deadline runs from here, not from before
      // a bundling that takes seconds on a busy machine.
      const { notice, input } = await storeNotice(db, { ip });
      const handle = await temporal.client.workflow.start(noticeWorkflow, {
        args: [input],
        workflowId: notice.workflowId,
        taskQueue,
      });
      const [mail] = await mailTo(contacts[0], `${notice.id}:notify`);
      expect(mail.idempotencyKey).toBe(`${notice.id}:notify:0`);
      expect((await mailbox.read(mail.id)).text).toContain(notice.urls[0]);
      await handle.signal(customerResponseSignal, { kind: 'removed', by: `customer:${customer.reference}` });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.state === 'awaiting_confirmation',
      );
      await handle.signal(confirmRemovalSignal, { by: 'source:hotline' });
      return { outcome: await handle.result(), notice };
    });
    expect(outcome).toBe('removed_in_time');
    const row = await db.getRepository(NoticeEntity).findOneByOrFail({ id: notice.id });
    expect([row.state, row.outcome, row.customerId, row.policyId]).toEqual([
      'closed',
      'removed_in_time',
      customer.id,
      profile,
    ]);
    expect(row.timeToRemovalSeconds).not.toBeNull();
    const types = (
      await db.getRepository(NoticeEventEntity).find({ where: { noticeId: notice.id }, order: { id: 'ASC' } })
    ).map((e) => e.type);
    expect(types).toEqual([
      'received',
      'attributed',
      'customer_notified',
      'removal_claimed',
      'task_opened',
      'closed',
    ]);
    const feedback = await mailTo('reports@hotline.example', `${notice.id}:feedback`);
    expect(feedback).not.toEqual([]);
  });

  it('escalates a missed deadline with an email task to the account manager', async () => {
    const profile = `short-${randomBytes(4).toString('hex')}`;
    await addPolicy(profile, 1, { reminders: [], deadline: 'PT2S' });
    const { customer, ip } = await storeCustomer(db, { policyProfile: profile });
    const { notice, input } = await storeNotice(db, { ip });
    await run(async (taskQueue) => {
      const handle = await temporal.client.workflow.start(noticeWorkflow, {
        args: [input],
        workflowId: notice.workflowId,
        taskQueue,
      });
      const status = await eventually(
        () => handle.query(statusQuery),
        (s) => s.state === 'escalated' && s.pendingTasks.length === 1,
      );
      expect(status.pendingTasks[0].kind).toBe('account_manager_escalation');
      const [task] = await mailTo(
        customer.accountManagerEmail!,
        `${notice.id}:task:account_manager_escalation`,
      );
      expect(task.idempotencyKey).toMatch(new RegExp(`^${notice.id}:task:account_manager_escalation`));
      await handle.signal(confirmRemovalSignal, { by: 'desk:test' });
      expect(await handle.result()).toBe('removed_late');
    });
  });

  it('keeps the policy version a notice arrived under when a new version comes in force', async () => {
    const profile = `pinned-${randomBytes(4).toString('hex')}`;
    await addPolicy(profile, 1, { reminders: [], deadline: 'PT1H' });
    const { ip } = await storeCustomer(db, { policyProfile: profile });
    const first = await storeNotice(db, { ip });
    await run(async (taskQueue) => {
      const h1 = await temporal.client.workflow.start(noticeWorkflow, {
        args: [first.input],
        workflowId: first.notice.workflowId,
        taskQueue,
      });
      await eventually(
        () => h1.query(statusQuery),
        (s) => s.state === 'customer_notified',
      );
      await addPolicy(profile, 2, { reminders: [], deadline: 'PT2H' });
      const second = await storeNotice(db, { ip });
      const h2 = await temporal.client.workflow.start(noticeWorkflow, {
        args: [second.input],
        workflowId: second.notice.workflowId,
        taskQueue,
      });
      await eventually(
        () => h2.query(statusQuery),
        (s) => s.state === 'customer_notified',
      );

      const rows = await db
        .getRepository(NoticeEntity)
        .findBy([{ id: first.notice.id }, { id: second.notice.id }]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const one = byId.get(first.notice.id)!;
      const two = byId.get(second.notice.id)!;
      expect([one.policyVersion, one.deadline!.getTime() - one.receivedAt.getTime()]).toEqual([1, 3600_000]);
      expect([two.policyVersion, two.deadline!.getTime() - two.receivedAt.getTime()]).toEqual([2, 7200_000]);
      expect(Date.parse((await h1.query(statusQuery)).deadline!)).toBe(one.deadline!.getTime());
      await h1.signal(confirmRemovalSignal, { by: 'desk:test' });
      await h2.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
  });
});
