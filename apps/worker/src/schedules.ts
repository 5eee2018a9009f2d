import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';

export interface ScheduleConfig {
  taskQueue: string;
  /** Seconds between audit-head runs; null: no schedule (no AUDIT_HEAD_KEY). */
  auditHeadEverySeconds: number | null;
  /** The retention run's cron expression (UTC); null: no schedule (RETENTION_SCHEDULE=off). */
  retentionCron: string | null;
  /** Whether statements of reasons are submitted (TRANSPARENCY_DB_URL set): hourly. */
  transparencyDb?: boolean;
  /** Seconds between runs of the notifier receipts (DSA Art. 16(4)); always on, as the law asks. */
  legalMessagesEverySeconds?: number;
}

/** Schedule ids carry the task queue: two deployments sharing a namespace keep their own schedules. */
export const auditHeadScheduleId = (taskQueue: string) => `audit-head:${taskQueue}`;
export const retentionScheduleId = (taskQueue: string) => `retention:${taskQueue}`;
export const transparencyDbScheduleId = (taskQueue: string) => `transparency-db:${taskQueue}`;
export const legalMessagesScheduleId = (taskQueue: string) => `legal-messages:${taskQueue}`;

type Wanted = Omit<ScheduleOptions, 'scheduleId'>;

/**
 * The periodic jobs as Temporal Schedules, not timers in a process: Temporal keeps the clock, skips a run while the
 * last still runs, and shows each run. Made idempotently at every worker start: created when missing, brought to the
 * current configuration when present, deleted when turned off. Every worker does it; they agree.
 */
export async function ensureSchedules(client: Client, config: ScheduleConfig): Promise<void> {
  await ensure(
    client,
    auditHeadScheduleId(config.taskQueue),
    config.auditHeadEverySeconds === null
      ? null
      : {
          spec: { intervals: [{ every: `${config.auditHeadEverySeconds}s` }] },
          action: {
            type: 'startWorkflow',
            workflowType: 'auditHeadWorkflow',
            workflowId: `audit-head-${config.taskQueue}`,
            taskQueue: config.taskQueue,
            workflowExecutionTimeout: '5 minutes',
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
        },
  );
  await ensure(
    client,
    retentionScheduleId(config.taskQueue),
    config.retentionCron === null
      ? null
      : {
          spec: { cronExpressions: [config.retentionCron] },
          action: {
            type: 'startWorkflow',
            workflowType: 'retentionWorkflow',
            workflowId: `retention-${config.taskQueue}`,
            taskQueue: config.taskQueue,
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
        },
  );
  await ensure(
    client,
    transparencyDbScheduleId(config.taskQueue),
    !config.transparencyDb
      ? null
      : {
          spec: { intervals: [{ every: '1h' }] },
          action: {
            type: 'startWorkflow',
            workflowType: 'transparencyDbWorkflow',
            workflowId: `transparency-db-${config.taskQueue}`,
            taskQueue: config.taskQueue,
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
        },
  );
  await ensure(client, legalMessagesScheduleId(config.taskQueue), {
    spec: { intervals: [{ every: `${config.legalMessagesEverySeconds ?? 30}s` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'legalMessagesWorkflow',
      workflowId: `legal-messages-${config.taskQueue}`,
      taskQueue: config.taskQueue,
      workflowExecutionTimeout: '30 minutes',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  });
}

async function ensure(client: Client, scheduleId: string, wanted: Wanted | null): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  if (!wanted) {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  try {
    await client.schedule.create({ scheduleId, ...wanted });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({
      ...previous,
      spec: wanted.spec,
      action: wanted.action,
      policies: { ...previous.policies, ...wanted.policies },
    }));
  }
}
