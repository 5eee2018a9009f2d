import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { DEFAULT_APPEAL_PERIODS, DEFAULT_STANDING_POLICY, type AppealKind } from '@takedown/domain';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import type { AppealActivities, AppealStep } from '@takedown/workflows/appeal-activities';
import { appealQuery, appealWorkflowId, reviewAppealUpdate } from '@takedown/workflows/appeal-messages';
import { appealWorkflow } from '@takedown/workflows/appeal.workflow';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import { taskCompletedSignal } from '@takedown/workflows/messages';
import {
  standingEventSignal,
  standingQuery,
  standingWorkflowId,
} from '@takedown/workflows/standing-messages';
import { terminationQuery, terminationWorkflowId } from '@takedown/workflows/termination-messages';
import { terminationWorkflow } from '@takedown/workflows/termination.workflow';
import { eventually } from '../support/eventually';
import { recordingCaseActivities } from '../support/fake-case-activities';
import { recordHistory, timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
const DAY = 24 * H;
const DESK_LEAD = 'token:lead-who-decided';
const OTHER_LEAD = 'token:another-lead';

/**
 * The appeal workflow (default periods: 14 days to appeal, 7 to review) on the Java time-skipping test server,
 * with the real standing and termination workflows it tells of a reversal. Activities are in-memory recorders.
 */
describe('appeal workflow (time skipping)', () => {
  const ts = timeSkippingPerTest();

  async function withWorker<T>(
    body: (
      steps: AppealStep[],
      rec: ReturnType<typeof recordingCaseActivities>,
      taskQueue: string,
    ) => Promise<T>,
  ): Promise<T> {
    const taskQueue = `appeals-${randomUUID()}`;
    const steps: AppealStep[] = [];
    const appealActivities: AppealActivities = {
      async recordAppealStep(step) {
        steps.push(step);
      },
    };
    const rec = recordingCaseActivities({ verifiedMeasures: ['hash_check_uploads'] });
    const worker = await Worker.create({
      connection: ts.env.nativeConnection,
      taskQueue,
      activities: { ...rec.activities, ...appealActivities },
      ...workflowSource(),
    });
    return worker.runUntil(() => body(steps, rec, taskQueue));
  }

  const startAppeal = (
    taskQueue: string,
    opts: { kind?: AppealKind; customerId?: string; noticeId?: string; caseId?: string; decidedAtMs: number },
  ) => {
    const appealId = randomUUID();
    return ts.env.client.workflow.start(appealWorkflow, {
      args: [
        {
          version: 1,
          appealId,
          kind: opts.kind ?? 'strike',
          customerId: opts.customerId ?? randomUUID(),
          noticeId: opts.kind === 'termination' ? null : (opts.noticeId ?? randomUUID()),
          caseId: opts.caseId ?? null,
          decidedBy: DESK_LEAD,
          decidedAt: new Date(opts.decidedAtMs).toISOString(),
          appellant: 'token:customer-admin',
          periods: DEFAULT_APPEAL_PERIODS.default,
        },
      ],
      workflowId: appealWorkflowId(appealId),
      taskQueue,
    });
  };
  const types = (steps: AppealStep[]) => steps.map((s) => s.type);

  it('refuses the review of the person who made the decision; someone else decides it', async () => {
    await withWorker(async (steps, _rec, taskQueue) => {
      const h = await startAppeal(taskQueue, { decidedAtMs: await ts.env.currentTimeMs() });
      await eventually(
        async () => types(steps),
        (t) => t.includes('appeal_filed'),
      );
      const refused = await h
        .executeUpdate(reviewAppealUpdate, {
          args: [{ decision: 'reverse', by: DESK_LEAD, reason: 'mine was wrong' }],
        })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (refused as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('APPEAL.REVIEWER_IS_DECIDER');
      expect(await h.query(appealQuery)).toMatchObject({ status: 'under_review', reviewedBy: null });

      const decided = await h.executeUpdate(reviewAppealUpdate, {
        args: [{ decision: 'uphold', by: OTHER_LEAD, reason: 'the deadline was missed' }],
      });
      expect(decided).toMatchObject({ status: 'upheld', reviewedBy: OTHER_LEAD });
      expect(await h.result()).toBe('upheld');
      expect(types(steps)).toEqual(['appeal_filed', 'appeal_upheld']);
      expect(steps[1]).toMatchObject({
        actor: OTHER_LEAD,
        status: 'upheld',
        reason: 'the deadline was missed',
      });
    });
  });

  it('a reversed strike restores the standing the strike cost; other strikes still count', async () => {
    await withWorker(async (steps, rec, taskQueue) => {
      const customerId = randomUUID();
      const standing = await ts.env.client.workflow.start(customerStandingWorkflow, {
        args: [{ version: 1, customerId, policy: DEFAULT_STANDING_POLICY }],
        workflowId: standingWorkflowId(customerId),
        taskQueue,
      });
      const strike = (noticeId: string) =>
        standing.signal(standingEventSignal, {
          id: `${noticeId}:closed:0`,
          event: {
            type: 'notice_closed',
            noticeId,
            category: 'csam',
            outcome: 'removed_late',
            deadlineMissed: true,
            falseClaims: 0,
            at: new Date().toISOString(),
          },
        });
      const contested = randomUUID();
      await strike(contested);
      await strike(randomUUID());
      // The standing registers its query after its first activity: wait for what it recorded.
      const levels = () => rec.of('recordStanding').map((r) => r.level as string);
      await eventually(
        async () => levels(),
        (l) => l.length === 2,
      );
      expect(levels()).toEqual(['watch', 'warning']); // two missed CSAM deadlines
      await ts.env.sleep(3 * DAY);

      const h = await startAppeal(taskQueue, {
        customerId,
        noticeId: contested,
        decidedAtMs: (await ts.env.currentTimeMs()) - 3 * DAY,
      });
      await h.executeUpdate(reviewAppealUpdate, {
        args: [{ decision: 'reverse', by: OTHER_LEAD, reason: 'the source confirmed the removal late' }],
      });
      expect(await h.result()).toBe('reversed');
      await eventually(
        async () => levels(),
        (l) => l.length === 3,
      );
      expect(levels().at(-1)).toBe('watch');
      // The counts as the reversal recorded them: a later query counts at a later (skipped) time, when the window
      // may have let the other strike go too.
      expect(rec.of('recordStanding').at(-1)).toMatchObject({
        level: 'watch',
        counts: expect.objectContaining({ missedDeadlines: 1, missedCsamDeadlines: 1 }),
      });
      const after = await standing.query(standingQuery);
      expect(after.level).toBe('watch');
      expect(after.lastEvents.at(-1)).toMatchObject({
        type: 'appeal_reversed',
        noticeId: contested,
        by: OTHER_LEAD,
      });
      // The customer is told: a letter for the way back down (sent after the standing is recorded).
      const letters = await eventually(
        async () => rec.of('sendStandingLetter').map((l) => l.level),
        (l) => l.length >= 3,
      );
      expect(letters).toEqual(['watch', 'warning', 'watch']);
      expect(types(steps)).toEqual(['appeal_filed', 'appeal_reversed']);
      await recordHistory(standing, 'standing-v3-appeal-reversed');
      await standing.terminate('test done');
    });
  });

  it('a reseller’s reversed act_first strike leaves its own standing; its end customer’s strike on the notice stays', async () => {
    await withWorker(async (steps, _rec, taskQueue) => {
      const [resellerId, endCustomerId] = [randomUUID(), randomUUID()];
      const start = (customerId: string) =>
        ts.env.client.workflow.start(customerStandingWorkflow, {
          args: [{ version: 1, customerId, policy: DEFAULT_STANDING_POLICY }],
          workflowId: standingWorkflowId(customerId),
          taskQueue,
        });
      const [reseller, endCustomer] = [await start(resellerId), await start(endCustomerId)];
      const noticeId = randomUUID();
      // The notice's close feeds both: the end customer's missed deadline, and the reseller's missed window.
      for (const [standing, key] of [
        [reseller, 'reseller-missed'],
        [endCustomer, 'closed'],
      ] as const) {
        await standing.signal(standingEventSignal, {
          id: `${noticeId}:${key}:0`,
          event: {
            type: 'notice_closed',
            noticeId,
            category: 'csam',
            outcome: 'removed_late',
            deadlineMissed: true,
            falseClaims: 0,
            at: new Date().toISOString(),
          },
        });
      }
      const counted = (q: { counts: { missedCsamDeadlines: number } }) => q.counts.missedCsamDeadlines;
      // The standing registers its query after its first activity: until then, nothing counted yet.
      const countOf = (h: typeof reseller) => h.query(standingQuery).then(counted, () => -1);
      await eventually(
        async () => [await countOf(reseller), await countOf(endCustomer)],
        (c) => c[0] === 1 && c[1] === 1,
      );

      const h = await startAppeal(taskQueue, {
        customerId: resellerId,
        noticeId,
        decidedAtMs: await ts.env.currentTimeMs(),
      });
      await h.executeUpdate(reviewAppealUpdate, {
        args: [{ decision: 'reverse', by: OTHER_LEAD, reason: 'the reseller’s relay bounced the email' }],
      });
      expect(await h.result()).toBe('reversed');
      const after = await eventually(
        () => reseller.query(standingQuery),
        (q) => q.lastEvents.at(-1)?.type === 'appeal_reversed',
      );
      expect(counted(after)).toBe(0);
      expect(after.level).toBe('good');
      const untouched = await endCustomer.query(standingQuery);
      expect(counted(untouched)).toBe(1);
      expect(untouched.lastEvents.map((e) => e.type)).not.toContain('appeal_reversed');
      expect(types(steps)).toEqual(['appeal_filed', 'appeal_reversed']);
      await reseller.terminate('test done');
      await endCustomer.terminate('test done');
    });
  });

  it('refuses an appeal filed after the appeal period, on the workflow clock', async () => {
    await withWorker(async (steps, _rec, taskQueue) => {
      const decidedAtMs = await ts.env.currentTimeMs();
      const inTime = await startAppeal(taskQueue, { decidedAtMs });
      await eventually(
        async () => types(steps),
        (t) => t.includes('appeal_filed'),
      );
      // Terminated only once it waits for its review (its review timer started, no workflow task in flight): the
      // test server keeps the skipped clock locked for a workflow task that was running when its run was
      // terminated, and the 14 days below then never pass (temporalio/sdk-java#3088, second report).
      await eventually(
        () => inTime.fetchHistory(),
        (h) => (h.events ?? []).some((e) => e.timerStartedEventAttributes),
      );
      await inTime.terminate('test done');

      await ts.env.sleep(14 * DAY + H);
      const late = await startAppeal(taskQueue, { decidedAtMs });
      expect(await late.result()).toBe('refused_late');
      expect(steps.at(-1)).toMatchObject({ type: 'appeal_refused_late', status: 'refused_late' });
    });
  });

  it('an appeal not reviewed within the review period is marked overdue and still waits for its review', async () => {
    await withWorker(async (steps, _rec, taskQueue) => {
      const h = await startAppeal(taskQueue, { decidedAtMs: await ts.env.currentTimeMs() });
      await eventually(
        async () => types(steps),
        (t) => t.includes('appeal_filed'),
      );
      await ts.env.sleep(7 * DAY + H);
      await eventually(
        async () => types(steps),
        (t) => t.includes('appeal_review_overdue'),
      );
      expect(await h.query(appealQuery)).toMatchObject({ status: 'under_review', overdue: true });
      await h.executeUpdate(reviewAppealUpdate, {
        args: [{ decision: 'uphold', by: OTHER_LEAD, reason: 'stands' }],
      });
      expect(await h.result()).toBe('upheld');
    });
  });

  it('a reversed termination decision withdraws the case in its notice period', async () => {
    await withWorker(async (steps, rec, taskQueue) => {
      const caseId = randomUUID();
      const customerId = randomUUID();
      const termination: WorkflowHandle<typeof terminationWorkflow> = await ts.env.client.workflow.start(
        terminationWorkflow,
        { args: [{ version: 1, caseId, customerId }], workflowId: terminationWorkflowId(caseId), taskQueue },
      );
      const review = await eventually(
        async () => rec.tasks().find((t) => t.kind === 'legal_review'),
        (t) => t !== undefined,
      );
      await termination.signal(taskCompletedSignal, {
        taskId: review!.taskId,
        kind: 'legal_review',
        outcome: 'approve',
        by: DESK_LEAD,
      });
      await eventually(
        () => termination.query(terminationQuery),
        (s) => s.status === 'notice_period',
      );
      const h = await startAppeal(taskQueue, {
        kind: 'termination',
        customerId,
        caseId,
        decidedAtMs: await ts.env.currentTimeMs(),
      });
      await h.executeUpdate(reviewAppealUpdate, {
        args: [{ decision: 'reverse', by: OTHER_LEAD, reason: 'the customer deployed hash checks' }],
      });
      expect(await termination.result()).toBe('withdrawn');
      expect(rec.of('setCustomerStatus').map((s) => s.status)).toEqual(['terminating', 'active']);
      expect(rec.caseEvents().at(-1)).toBe('withdrawn');
      expect(rec.of('recordCaseEvent').at(-1)).toMatchObject({ actor: OTHER_LEAD });
      expect(types(steps)).toEqual(['appeal_filed', 'appeal_reversed']);
    });
  });
});
