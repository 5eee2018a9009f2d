import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { TaskKind } from '@takedown/domain';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import { taskCompletedSignal } from '@takedown/workflows/messages';
import { terminationWorkflowId } from '@takedown/workflows/termination-messages';
import { terminationWorkflow } from '@takedown/workflows/termination.workflow';
import { eventually } from '../support/eventually';
import { recordingCaseActivities } from '../support/fake-case-activities';
import { timeSkippingPerTest } from '../support/time-skipping';

const DAY = 24 * 3600_000;

/**
 * DSA Art. 17: the statement of reasons reaches the customer no later than the restriction. The formal notice
 * (`sendTerminationLetter` kind `notice`) carries the statement (test/integration/statements-of-reasons.spec.ts);
 * here, on the time-skipping server, nothing that restricts the service (the NOC's decommission task, the prefixes'
 * release, the customer terminated) may happen before it, with a notice period or without.
 */
describe('the statement of reasons goes out before the restriction (time skipping)', () => {
  const ts = timeSkippingPerTest();

  const RESTRICTIONS = (c: { name: string; arg: Record<string, unknown> }) =>
    (c.name === 'openCaseTask' && c.arg.kind === 'decommission') ||
    c.name === 'releasePrefixes' ||
    (c.name === 'setCustomerStatus' && c.arg.status === 'terminated');

  it.each([
    ['after a notice period', false],
    ['with immediate effect', true],
  ])('%s', async (_when, immediate) => {
    const taskQueue = `statement-${randomUUID()}`;
    const rec = recordingCaseActivities({
      facts: {
        contract: { noticePeriodDays: 30, immediateTerminationForIllegalContent: immediate },
        illegalContent: immediate,
      },
    });
    const worker = await Worker.create({
      connection: ts.env.nativeConnection,
      taskQueue,
      activities: rec.activities,
      ...workflowSource(),
    });
    await worker.runUntil(async () => {
      const caseId = randomUUID();
      const h: WorkflowHandle = await ts.env.client.workflow.start(terminationWorkflow, {
        args: [{ version: 1, caseId, customerId: randomUUID() }],
        workflowId: terminationWorkflowId(caseId),
        taskQueue,
      });
      const complete = async (kind: TaskKind, outcome: string) => {
        const task = await eventually(
          async () => rec.tasks().find((t) => t.kind === kind),
          (t) => t !== undefined,
        );
        await h.signal(taskCompletedSignal, { taskId: task!.taskId, kind, outcome, by: 'legal:m.devries' });
      };
      await complete('legal_review', 'approve');
      if (!immediate) await ts.env.sleep(30 * DAY + 1000);
      await complete('decommission', 'done');
      expect(await h.result()).toBe('terminated');
    });

    const statement = rec.calls.findIndex(
      (c) => c.name === 'sendTerminationLetter' && c.arg.kind === 'notice',
    );
    const firstRestriction = rec.calls.findIndex(RESTRICTIONS);
    expect(statement).toBeGreaterThanOrEqual(0);
    expect(firstRestriction).toBeGreaterThan(statement);
  });
});
