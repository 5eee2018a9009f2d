import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DataSource } from 'typeorm';
import { CapturedMailbox } from '@takedown/mail';
import { NoticeEntity, NoticeEventEntity } from '@takedown/persistence';
import { createWorker } from '@takedown/worker/create-worker';
import { WorkerModule } from '@takedown/worker/worker.module';
import { confirmRemovalSignal, statusQuery } from '@takedown/workflows/messages';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { storeNotice } from '../support/notices';

/** The notice workflow on the real Temporal dev server, run by the worker that apps/worker builds. */
describe('notice workflow on a real Temporal server', () => {
  const env = testEnv();
  let temporal: TestWorkflowEnvironment;
  let container: INestApplicationContext;
  let db: DataSource;

  beforeAll(async () => {
    temporal = await TestWorkflowEnvironment.createFromExistingServer({ address: env.TEMPORAL_ADDRESS });
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
      container,
    });
    return worker.runUntil(fn(taskQueue));
  };

  const timeline = async (noticeId: string) =>
    (await db.getRepository(NoticeEventEntity).find({ where: { noticeId }, order: { id: 'ASC' } })).map(
      (e) => e.type,
    );

  it('closes as removed_in_time when the removal signal comes before the deadline timer', async () => {
    const { notice, input } = await storeNotice(db, { timers: { reminders: [], deadline: 'PT1H' } });
    const outcome = await run(async (taskQueue) => {
      const handle = await temporal.client.workflow.start(noticeWorkflow, {
        args: [input],
        workflowId: notice.workflowId,
        taskQueue,
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.state === 'received',
      );
      await handle.signal(confirmRemovalSignal, { by: 'desk:test' });
      return handle.result();
    });
    expect(outcome).toBe('removed_in_time');
    const row = await db.getRepository(NoticeEntity).findOneByOrFail({ id: notice.id });
    expect([row.state, row.outcome]).toEqual(['closed', 'removed_in_time']);
    expect(row.closedAt).toBeInstanceOf(Date);
    expect(await timeline(notice.id)).toEqual(['received', 'removal_confirmed']);
  });

  it('escalates when the deadline timer fires, emails the abuse desk once, and closes as removed_late', async () => {
    const { notice, input } = await storeNotice(db, { timers: { reminders: [], deadline: 'PT2S' } });
    const outcome = await run(async (taskQueue) => {
      const handle = await temporal.client.workflow.start(noticeWorkflow, {
        args: [input],
        workflowId: notice.workflowId,
        taskQueue,
      });
      const status = await eventually(
        () => handle.query(statusQuery),
        (s) => s.state === 'escalated',
      );
      expect(Date.parse(status.deadline)).toBe(Date.parse(input.receivedAt) + 2000);
      await eventually(
        () => db.getRepository(NoticeEntity).findOneByOrFail({ id: notice.id }),
        (n) => n.state === 'escalated',
      );
      await handle.signal(confirmRemovalSignal, { by: 'source:hotline', note: 'gone at last' });
      return handle.result();
    });
    expect(outcome).toBe('removed_late');
    expect(await timeline(notice.id)).toEqual(['received', 'deadline_missed', 'removal_confirmed']);

    const mails = await eventually(
      async () =>
        (await new CapturedMailbox(env.MAIL_CAPTURE_DIR!).list(1000)).filter(
          (m) => m.idempotencyKey === `${notice.id}:deadline_missed`,
        ),
      (found) => found.length > 0,
    );
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual([env.ABUSE_DESK_EMAIL]);
    const body = await new CapturedMailbox(env.MAIL_CAPTURE_DIR!).read(mails[0].id);
    expect(body.text).toContain('https://files.tenant-a.example/[redacted]');
    expect(body.text).not.toContain('gallery/8f1c2e');
  });
});
