import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { DEFAULT_STANDING_POLICY, type TaskKind } from '@takedown/domain';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import { taskCompletedSignal } from '@takedown/workflows/messages';
import { standingEventSignal, standingWorkflowId } from '@takedown/workflows/standing-messages';
import type { StandingRecord } from '@takedown/workflows/standing-activities';
import { terminationWorkflowId, withdrawCaseSignal } from '@takedown/workflows/termination-messages';
import { terminationWorkflow } from '@takedown/workflows/termination.workflow';
import { eventually } from '../support/eventually';
import { recordingCaseActivities } from '../support/fake-case-activities';
import { recordHistory, timeSkippingPerTest } from '../support/time-skipping';

const DAY = 24 * 3600_000;
type Rec = ReturnType<typeof recordingCaseActivities>;

/**
 * The termination workflow under the default timers (legal review due in 5 days; reminders 14, 7 and 1 day before
 * the end of a 30-day notice period; decommissioning due in 2 days) on the Java time-skipping test server.
 */
describe('termination workflow (time skipping)', () => {
  const ts = timeSkippingPerTest();

  /** A worker with recording activities; `onOpenCase` starts the case the standing workflow asks for. */
  async function withWorker<T>(
    opts: Parameters<typeof recordingCaseActivities>[0],
    body: (rec: Rec, taskQueue: string) => Promise<T>,
  ): Promise<T> {
    const taskQueue = `termination-${randomUUID()}`;
    const rec = recordingCaseActivities({
      ...opts,
      onOpenCase: async ({ caseId, customerId }) => {
        await ts.env.client.workflow.start(terminationWorkflow, {
          args: [{ version: 1, caseId, customerId }],
          workflowId: terminationWorkflowId(caseId),
          taskQueue,
        });
      },
    });
    const worker = await Worker.create({
      connection: ts.env.nativeConnection,
      taskQueue,
      activities: rec.activities,
      ...workflowSource(),
    });
    return worker.runUntil(() => body(rec, taskQueue));
  }

  const startCase = (taskQueue: string) => {
    const caseId = randomUUID();
    return ts.env.client.workflow.start(terminationWorkflow, {
      args: [{ version: 1, caseId, customerId: randomUUID() }],
      workflowId: terminationWorkflowId(caseId),
      taskQueue,
    });
  };
  const taskOpened = (rec: Rec, kind: TaskKind) =>
    eventually(
      async () => rec.tasks().find((t) => t.kind === kind),
      (t) => t !== undefined,
    ) as Promise<{ taskId: string; kind: TaskKind }>;
  const complete = async (h: WorkflowHandle, rec: Rec, kind: TaskKind, outcome: string, note?: string) => {
    const task = await taskOpened(rec, kind);
    await h.signal(taskCompletedSignal, { taskId: task.taskId, kind, outcome, by: 'legal:m.devries', note });
  };
  const letters = (rec: Rec) => rec.of('sendTerminationLetter').map((l) => l.kind);

  it('bad-faith finding → case → legal approves → notice period with reminders → decommission → terminated', async () => {
    await withWorker({}, async (rec, taskQueue) => {
      const customerId = randomUUID();
      const standing = await ts.env.client.workflow.start(customerStandingWorkflow, {
        args: [{ version: 1, customerId, policy: DEFAULT_STANDING_POLICY }],
        workflowId: standingWorkflowId(customerId),
        taskQueue,
      });
      await standing.signal(standingEventSignal, {
        id: 'desk-1',
        event: { type: 'bad_faith', by: 'desk:lead', reason: 'refuses to act on CSAM notices', at: '' },
      });
      const [opened] = (await eventually(
        async () => rec.of('openTerminationCase'),
        (c) => c.length === 1,
      )) as { caseId: string }[];
      const h = ts.env.client.workflow.getHandle<typeof terminationWorkflow>(
        terminationWorkflowId(opened.caseId),
      );
      await complete(h, rec, 'legal_review', 'approve', 'the record supports it');
      await eventually(
        async () => letters(rec),
        (l) => l.length === 1,
      );
      await ts.env.sleep(30 * DAY + 1000);
      await complete(h, rec, 'decommission', 'done', 'powered off rack 12, cross-connects reclaimed');
      expect(await h.result()).toBe('terminated');
      expect(letters(rec)).toEqual(['notice', 'reminder', 'reminder', 'reminder']);
      expect(rec.of('setCustomerStatus').map((s) => s.status)).toEqual(['terminating', 'terminated']);
      expect(rec.of('releasePrefixes')).toHaveLength(1);
      expect(rec.caseEvents()).toEqual([
        'opened',
        'task_opened',
        'task_completed',
        'approved',
        'customer_notified',
        'customer_reminded',
        'customer_reminded',
        'customer_reminded',
        'effective',
        'task_opened',
        'task_completed',
        'prefixes_released',
        'terminated',
      ]);
      const notice = rec.of('sendTerminationLetter')[0];
      const approvedAt = Date.parse(rec.of('recordCaseEvent')[3].at as string);
      expect(Date.parse(notice.effectiveAt as string) - approvedAt).toBe(30 * DAY);
      // The standing hears that the case ended and, the customer gone, stops.
      await standing.result();
      expect((rec.of('recordStanding') as unknown as StandingRecord[]).at(-1)?.event?.type).toBe(
        'case_closed',
      );
      await recordHistory(h, 'termination-v1-terminated');
    });
  });

  it('legal rejects: the case ends with the reason, no letter, tasks closed', async () => {
    await withWorker({}, async (rec, taskQueue) => {
      const h = await startCase(taskQueue);
      await complete(h, rec, 'legal_review', 'reject', 'the customer acted since; not proportionate');
      expect(await h.result()).toBe('rejected');
      expect(letters(rec)).toEqual([]);
      expect(rec.of('setCustomerStatus')).toEqual([]);
      expect(rec.of('closeCaseTasks')).toHaveLength(1);
      const rejected = rec.of('recordCaseEvent').at(-1)!;
      expect(rejected).toMatchObject({ type: 'rejected', actor: 'legal:m.devries', status: 'rejected' });
      await recordHistory(h, 'termination-v1-rejected');
    });
  });

  it('legal is reminded when the review is overdue', async () => {
    await withWorker({}, async (rec, taskQueue) => {
      const h = await startCase(taskQueue);
      await taskOpened(rec, 'legal_review');
      await ts.env.sleep(5 * DAY + 1000);
      await eventually(
        async () => rec.of('remindCaseTask').length,
        (n) => n === 1,
      );
      await complete(h, rec, 'legal_review', 'reject', 'no');
      expect(await h.result()).toBe('rejected');
    });
  });

  it('withdrawal during the notice period: the customer is told and active again', async () => {
    await withWorker({}, async (rec, taskQueue) => {
      const h = await startCase(taskQueue);
      await complete(h, rec, 'legal_review', 'approve');
      await eventually(
        async () => letters(rec),
        (l) => l.length === 1,
      );
      await ts.env.sleep(10 * DAY);
      await h.signal(withdrawCaseSignal, { by: 'legal:m.devries', reason: 'hash check deployed, verified' });
      expect(await h.result()).toBe('withdrawn');
      expect(letters(rec)).toEqual(['notice', 'withdrawn']);
      expect(rec.of('setCustomerStatus').map((s) => s.status)).toEqual(['terminating', 'active']);
      expect(rec.of('openCaseTask').map((t) => t.kind)).toEqual(['legal_review']);
      await recordHistory(h, 'termination-v1-withdrawn');
    });
  });

  it('immediate termination where the contract allows it for illegal content: no notice period', async () => {
    await withWorker(
      {
        facts: {
          contract: { noticePeriodDays: 30, immediateTerminationForIllegalContent: true },
          illegalContent: true,
        },
      },
      async (rec, taskQueue) => {
        const h = await startCase(taskQueue);
        await complete(h, rec, 'legal_review', 'approve');
        await taskOpened(rec, 'decommission');
        expect(letters(rec)).toEqual(['notice']);
        await h.signal(withdrawCaseSignal, { by: 'legal:m.devries', reason: 'too late' });
        await eventually(
          async () => rec.caseEvents(),
          (e) => e.includes('withdrawal_refused'),
        );
        await complete(h, rec, 'decommission', 'done');
        expect(await h.result()).toBe('terminated');
      },
    );
  });
});
