import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { Category, CategoryPolicy } from '@takedown/domain';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import type { AttributedTo, ResellerInvolved } from '@takedown/workflows/activities';
import { taskCompletedSignal } from '@takedown/workflows/messages';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { eventually } from './eventually';
import { recordingActivities } from './fake-activities';
import { recordHistory, type TimeSkipping } from './time-skipping';

export type Recorder = ReturnType<typeof recordingActivities>;
export type NoticeHandle = WorkflowHandle<typeof noticeWorkflow>;
export type RecordedStatus = ReturnType<Recorder['status']>;

export const TENANT: AttributedTo = {
  id: '00000000-0000-4000-8000-000000000001',
  reference: 'C-1001',
  name: 'Tenant A',
};

/**
 * Runs one notice workflow on the time-skipping server with in-memory recording activities, until `body` is done and
 * the workflow has finished (its reopen window skipped). A failed body terminates its workflow, so that it cannot hold
 * the skipped clock of the next test.
 */
export async function noticeScenario<T>(
  ts: TimeSkipping,
  opts: {
    timers: CategoryPolicy;
    customer?: AttributedTo | null;
    category?: Category;
    feedbackFails?: boolean;
    probe?: Parameters<typeof recordingActivities>[0]['probe'];
    reseller?: ResellerInvolved;
    failFirst?: Parameters<typeof recordingActivities>[0]['failFirst'];
    noContacts?: boolean;
    /** Save the history for the replay test (test/replay) when RECORD_HISTORIES is set. */
    record?: string;
  },
  body: (h: NoticeHandle, rec: Recorder) => Promise<T>,
): Promise<{ result: T; rec: Recorder; outcome: string }> {
  const rec = recordingActivities({
    customer: opts.customer === undefined ? TENANT : opts.customer,
    timers: opts.timers,
    feedbackFails: opts.feedbackFails,
    probe: opts.probe,
    reseller: opts.reseller,
    failFirst: opts.failFirst,
    noContacts: opts.noContacts,
  });
  const taskQueue = `scenario-${randomUUID()}`;
  const worker = await Worker.create({
    connection: ts.env.nativeConnection,
    taskQueue,
    activities: rec.activities,
    ...workflowSource(),
  });
  const receivedAt = new Date(await ts.env.currentTimeMs()).toISOString();
  return worker.runUntil(async () => {
    const handle = await ts.env.client.workflow.start(noticeWorkflow, {
      args: [{ version: 1, noticeId: randomUUID(), category: opts.category ?? 'csam', receivedAt }],
      workflowId: `notice-${randomUUID()}`,
      taskQueue,
    });
    const result = await body(handle, rec).catch(async (err: unknown) => {
      // The Java test server can hang a terminate that meets a workflow task in flight (temporalio/sdk-java#3088);
      // the body's own failure is the one to report, so the terminate gets a few seconds and no more.
      await Promise.race([
        handle.terminate('scenario failed').catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
      ]);
      throw err;
    });
    const outcome = await handle.result();
    await recordHistory(handle, opts.record);
    return { result, rec, outcome };
  });
}

/**
 * The notice's status as the workflow reported it through its activities, once `done` holds. The Java test server can
 * fail a workflow task when a query lands mid-task, so progress is read from the recorder, not asked of the server.
 */
export const reported = (rec: Recorder, done: (s: RecordedStatus) => boolean): Promise<RecordedStatus> =>
  eventually(async () => rec.status(), done);

/** Completes the open task of `kind` through the signal every run understands. */
export function completeTaskBySignal(
  h: NoticeHandle,
  s: RecordedStatus,
  kind: string,
  outcome: string,
  extra: { note?: string; customerId?: string } = {},
): Promise<void> {
  const task = s.pendingTasks.find((t) => t.kind === kind);
  if (!task) throw new Error(`no open ${kind} task in ${JSON.stringify(s.pendingTasks)}`);
  return h.signal(taskCompletedSignal, {
    taskId: task.taskId,
    kind: task.kind as never,
    outcome,
    by: 'token:desk',
    ...extra,
  });
}
