import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_POLICY, type CategoryPolicy } from '@takedown/domain';
import type { CustomerEmail, OpenTask, TimelineEvent } from '@takedown/workflows/activities';
import {
  confirmRemovalSignal,
  customerResponseSignal,
  noticeActionUpdate,
  type NoticeMessage,
  type NoticeStatus,
} from '@takedown/workflows/messages';
import { eventually } from '../support/eventually';
import {
  completeTaskBySignal,
  noticeScenario,
  reported,
  type NoticeHandle,
} from '../support/notice-scenario';
import { timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
const MIN = 60_000;
const CSAM = DEFAULT_POLICY.categories.csam; // reminders +6 h, +18 h; last call +22 h; deadline 24 h; NOC 4 h after
const PHISHING = DEFAULT_POLICY.categories.phishing; // reminder +24 h; deadline 48 h
const REMOVAL_ORDER: CategoryPolicy = {
  reminders: ['PT15M'],
  deadline: 'PT1H',
  suspendAfter: 'PT0S',
  aroundTheClock: true,
  nocAtReceipt: true,
};

const act = (h: NoticeHandle, m: NoticeMessage): Promise<NoticeStatus> =>
  h.executeUpdate(noticeActionUpdate, { args: [m] });

/** The refusal of an update: its code (the failure's type) and the status it names. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; state: string }> {
  const err = await p.then(
    () => {
      throw new Error('the action was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = cause as ApplicationFailure;
  return { code: failure.type as string, state: (failure.details?.[0] as NoticeStatus).state };
}

const events = (rec: { of: (n: 'recordEvent') => unknown[] }) =>
  rec.of('recordEvent') as unknown as TimelineEvent[];

/**
 * The notice core's trust holes, closed (issue 17): a claim is not a removal, every task outcome leads somewhere,
 * feedback never holds the outcome, the one-hour path engages everyone at receipt, and actions answer. Each test
 * failed on the workflow before these patches; saved histories of the runs before still replay (test/replay).
 */
describe('notice workflow: no dead ends (time skipping)', () => {
  const ts = timeSkippingPerTest();

  it('a claimed removal nobody confirms escalates at the deadline, with the claim on the timeline; confirmed later, it counts from the claim', async () => {
    const { outcome, rec } = await noticeScenario(
      ts,
      { timers: CSAM, record: 'notice-v6-claim-escalated' },
      async (h, r) => {
        await ts.env.sleep(20 * H);
        await h.signal(customerResponseSignal, { kind: 'removed', by: 'link:abuse@tenant-a.example' });
        await reported(r, (s) => s.state === 'awaiting_confirmation');
        await ts.env.sleep(5 * H);
        const s = await reported(r, (x) => x.state === 'escalated');
        expect(s.pendingTasks.map((t) => t.kind).sort()).toEqual([
          'account_manager_escalation',
          'removal_check',
        ]);
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
      },
    );
    expect(outcome).toBe('removed_in_time');
    const escalated = events(rec).find((e) => e.type === 'escalated')!;
    expect(escalated.reason).toMatch(/^removal claimed at .* but not confirmed by /);
    expect(rec.events().indexOf('removal_claimed')).toBeLessThan(rec.events().indexOf('escalated'));
  });

  it("a claim grace from the policy delays an unconfirmed claim's escalation, and never stops it", async () => {
    const { outcome } = await noticeScenario(
      ts,
      { timers: { ...CSAM, claimGrace: 'PT2H' } },
      async (h, r) => {
        await ts.env.sleep(23 * H);
        await h.signal(customerResponseSignal, { kind: 'removed', by: 'link:abuse@tenant-a.example' });
        await reported(r, (s) => s.state === 'awaiting_confirmation');
        await ts.env.sleep(2 * H); // past the deadline, within the grace
        expect(r.status().state).toBe('awaiting_confirmation');
        await ts.env.sleep(2 * H);
        await reported(r, (s) => s.state === 'escalated');
        await h.signal(confirmRemovalSignal, { by: 'token:desk' });
      },
    );
    expect(outcome).toBe('removed_in_time');
  });

  it("the account manager's acknowledgement starts a follow-up: still open after it, the lead is escalated", async () => {
    const { rec } = await noticeScenario(
      ts,
      { timers: { ...PHISHING, followUp: 'PT6H' }, category: 'phishing', record: 'notice-v6-follow-up' },
      async (h, r) => {
        await ts.env.sleep(48 * H + 1000);
        const s = await reported(r, (x) =>
          x.pendingTasks.some((t) => t.kind === 'account_manager_escalation'),
        );
        await completeTaskBySignal(h, s, 'account_manager_escalation', 'acknowledged', {
          note: 'calling them',
        });
        await reported(r, (x) => x.pendingTasks.length === 0);
        await ts.env.sleep(6 * H + 1000);
        await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'lead_escalation'));
        await h.signal(confirmRemovalSignal, { by: 'token:desk' });
      },
    );
    const lead = (rec.of('openTask') as unknown as OpenTask[]).find((t) => t.kind === 'lead_escalation')!;
    expect(lead.summary).toMatch(/follow-up/);
  });

  it("the NOC's not_possible goes to the abuse-desk lead with the reason", async () => {
    const { outcome, rec } = await noticeScenario(ts, { timers: CSAM }, async (h, r) => {
      await ts.env.sleep(29 * H);
      const s = await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'noc_suspension'));
      await completeTaskBySignal(h, s, 'noc_suspension', 'not_possible', { note: 'no access to rack B4' });
      await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'lead_escalation'));
      await h.signal(confirmRemovalSignal, { by: 'token:desk' });
    });
    expect(outcome).toBe('removed_late');
    const tasks = rec.of('openTask') as unknown as OpenTask[];
    expect(tasks.map((t) => t.kind)).toEqual([
      'account_manager_escalation',
      'noc_suspension',
      'lead_escalation',
    ]);
    expect(tasks[2].summary).toContain('no access to rack B4');
  });

  it("a source's failing webhook does not hold the outcome: the notice closes and feeds the standing; the failure is recorded", async () => {
    const { outcome, rec } = await noticeScenario(
      ts,
      { timers: CSAM, feedbackFails: true, record: 'notice-v6-feedback-failing' },
      async (h, r) => {
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
        await reported(r, (s) => s.state === 'closed');
        await eventually(
          async () => r.of('feedStanding').length,
          (n) => n === 1,
        );
        // The source's server stays down: the feedback's own retries run out (about 21 h) and say so.
        for (let hours = 0; hours < 30 && !r.events().includes('feedback_failed'); hours++)
          await ts.env.sleep(H);
      },
    );
    expect(outcome).toBe('removed_in_time');
    expect(rec.of('sendSourceFeedback')).toHaveLength(30); // retried on its own, then given up
    expect(rec.events().slice(-2)).toEqual(['closed', 'feedback_failed']);
  });

  it('a removal order engages the NOC and the 24/7 contacts at receipt, not after the deadline', async () => {
    const { outcome, rec } = await noticeScenario(
      ts,
      { timers: REMOVAL_ORDER, category: 'terrorist_content', record: 'notice-v6-removal-order' },
      async (h, r) => {
        const s = await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'noc_suspension'));
        expect(s.state).toBe('customer_notified');
        // The deadline passes: escalated, and the suspension requested at once (the policy's suspendAfter PT0S).
        await ts.env.sleep(61 * MIN);
        const late = await reported(
          r,
          (x) => x.state === 'suspension_requested' && x.pendingTasks.length === 3,
        );
        await completeTaskBySignal(h, late, 'noc_suspension', 'suspended');
      },
    );
    expect(outcome).toBe('suspended');
    const [notice] = rec.of('notifyCustomer') as unknown as CustomerEmail[];
    expect(notice).toMatchObject({ kind: 'notice', aroundTheClock: true });
    const opened = rec.of('openTask') as unknown as OpenTask[];
    expect(opened.map((t) => t.kind)).toEqual([
      'noc_suspension',
      'account_manager_escalation',
      'noc_suspension',
    ]);
    expect(opened[0].summary).toMatch(/^A removal order: stand by/);
    // Opened at receipt: due a quarter of the hour after it, not after the deadline.
    const receivedAt = Date.parse(events(rec)[0].at);
    expect(Date.parse(opened[0].dueAt) - receivedAt).toBeLessThan(30 * MIN);
  });

  /**
   * DSA Art. 17 on the order path: the stand-by restricts nothing; the go to suspend is a task opened in state
   * `suspension_requested`, the state in which the worker's openTask sends the statement of reasons before the task
   * exists (test/integration/suspension-statement.spec.ts). A NOC that suspends on its stand-by first gets the
   * statement sent before the suspension is on record.
   */
  describe('a removal order’s suspension comes after its statement of reasons', () => {
    const order = (record?: string) => ({
      timers: REMOVAL_ORDER,
      category: 'terrorist_content' as const,
      record,
    });

    it('at the deadline: the request (and with it the statement) before the go to the NOC', async () => {
      const { outcome, rec } = await noticeScenario(ts, order(), async (h, r) => {
        await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'noc_suspension'));
        expect(r.events()).not.toContain('suspension_requested');
        await ts.env.sleep(61 * MIN);
        const late = await reported(
          r,
          (x) => x.pendingTasks.filter((t) => t.kind === 'noc_suspension').length === 2,
        );
        await completeTaskBySignal(h, late, 'noc_suspension', 'suspended');
      });
      expect(outcome).toBe('suspended');
      const requested = rec.calls.findIndex(
        (c) => c.name === 'recordEvent' && c.arg.type === 'suspension_requested',
      );
      const nocTasks = rec.calls.flatMap((c, i) =>
        c.name === 'openTask' && c.arg.kind === 'noc_suspension' ? [i] : [],
      );
      expect(nocTasks).toHaveLength(2);
      expect(requested).toBeGreaterThan(nocTasks[0]); // the stand-by asked for nothing
      expect(requested).toBeLessThan(nocTasks[1]); // the go only once the request (and its statement) is out
      expect(events(rec).find((e) => e.type === 'suspension_requested')!.state).toBe('suspension_requested');
    });

    it('suspended on the stand-by before the go: the statement goes out before the suspension is recorded', async () => {
      const { outcome, rec } = await noticeScenario(
        ts,
        order('notice-v7-order-stand-by-suspended'),
        async (h, r) => {
          const s = await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'noc_suspension'));
          await completeTaskBySignal(h, s, 'noc_suspension', 'suspended', { note: 'port 17 shut' });
        },
      );
      expect(outcome).toBe('suspended');
      const names = rec.calls.map((c) => (c.name === 'recordEvent' ? `event:${String(c.arg.type)}` : c.name));
      const statement = names.indexOf('sendSuspensionStatement');
      expect(statement).toBeGreaterThan(names.indexOf('event:suspension_requested'));
      expect(statement).toBeLessThan(names.indexOf('event:closed'));
      expect(rec.of('sendSuspensionStatement')).toHaveLength(1);
    });

    it('removed before the deadline: no suspension, no statement', async () => {
      const { outcome, rec } = await noticeScenario(ts, order(), async (h, r) => {
        await reported(r, (x) => x.pendingTasks.some((t) => t.kind === 'noc_suspension'));
        await h.signal(confirmRemovalSignal, { by: 'token:desk' });
      });
      expect(outcome).toBe('removed_in_time');
      expect(rec.events()).not.toContain('suspension_requested');
      expect(rec.of('sendSuspensionStatement')).toEqual([]);
    });
  });

  it('an action the state does not allow is refused with its code and the state, and changes nothing; one that fits answers with the new state', async () => {
    const { outcome, rec } = await noticeScenario(ts, { timers: CSAM }, async (h, r) => {
      await reported(r, (s) => s.state === 'customer_notified');
      const before = r.events().length;
      expect(await refusal(act(h, { type: 'stillOnline', by: 'token:desk' }))).toEqual({
        code: 'NOTICE.NO_CLAIM',
        state: 'customer_notified',
      });
      expect(await refusal(act(h, { type: 'attribute', customerId: 'x', by: 'token:desk' }))).toEqual({
        code: 'NOTICE.ALREADY_ATTRIBUTED',
        state: 'customer_notified',
      });
      expect(r.events().length).toBe(before);
      const disputed = await act(h, {
        type: 'customer',
        kind: 'dispute',
        reason: 'ours',
        by: 'customer:C-1001',
      });
      const review = disputed.pendingTasks.find((t) => t.kind === 'dispute_review')!;
      const rejectReview = {
        type: 'task' as const,
        taskId: review.taskId,
        kind: 'dispute_review' as const,
        outcome: 'reject',
        by: 'token:desk',
      };
      expect((await act(h, rejectReview)).pendingTasks).toEqual([]);
      expect(await refusal(act(h, rejectReview))).toEqual({
        code: 'TASK.NOT_PENDING',
        state: 'customer_notified',
      });
      const claimed = await act(h, { type: 'customer', kind: 'removed', by: 'link:abuse@tenant-a.example' });
      expect(claimed.state).toBe('awaiting_confirmation');
      expect(claimed.pendingTasks.map((t) => t.kind)).toEqual(['removal_check']);
      expect(
        (await refusal(act(h, { type: 'customer', kind: 'removed', by: 'link:abuse@tenant-a.example' })))
          .code,
      ).toBe('NOTICE.ALREADY_CLAIMED');
      const task = claimed.pendingTasks[0];
      const closed = await act(h, {
        type: 'task',
        taskId: task.taskId,
        kind: 'removal_check',
        outcome: 'confirmed',
        by: 'token:desk',
      });
      expect(closed).toMatchObject({ state: 'closed', outcome: 'removed_in_time', pendingTasks: [] });
      expect(await refusal(act(h, { type: 'confirm', by: 'token:desk' }))).toEqual({
        code: 'NOTICE.ALREADY_CLOSED',
        state: 'closed',
      });
      const after = r.events().length;
      expect(await refusal(act(h, { type: 'escalateNow', by: 'token:desk' }))).toMatchObject({
        code: 'NOTICE.ALREADY_CLOSED',
      });
      expect(r.events().length).toBe(after);
    });
    expect(outcome).toBe('removed_in_time');
    expect(
      events(rec)
        .filter((e) => e.type === 'task_completed')
        .map((e) => e.actor),
    ).toEqual(['token:desk', 'token:desk']);
  });
});
