import type { WorkflowHandle } from '@temporalio/client';
import { DEFAULT_POLICY, type CategoryPolicy } from '@takedown/domain';
import type { AttributedTo } from '@takedown/workflows/activities';
import {
  attributeSignal,
  confirmRemovalSignal,
  customerResponseSignal,
  duplicateReportSignal,
  escalateNowSignal,
  reopenSignal,
  statusQuery,
  stillOnlineSignal,
  taskCompletedSignal,
} from '@takedown/workflows/messages';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { eventually } from '../support/eventually';
import { historyOnce, localActivitiesIn, scheduledActivitiesIn } from '../support/history-events';
import { recordingActivities } from '../support/fake-activities';
import { noticeScenario } from '../support/notice-scenario';
import { timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
const CSAM = DEFAULT_POLICY.categories.csam; // reminders +6 h, +18 h; last call +22 h; deadline 24 h; suspension 4 h after
const PHISHING = DEFAULT_POLICY.categories.phishing; // reminder +24 h; deadline 48 h; no suspension task
type Status = ReturnType<ReturnType<typeof recordingActivities>['status']>;
const TENANT: AttributedTo = {
  id: '00000000-0000-4000-8000-000000000001',
  reference: 'C-1001',
  name: 'Tenant A',
};

/**
 * Every branch of the notice workflow under the sector's default policy, on the Java time-skipping test server:
 * days of timers pass in seconds. Activities are in-memory recorders here; the real ones run in test/integration.
 */
describe('notice workflow branches (time skipping)', () => {
  const ts = timeSkippingPerTest();

  function scenario<T>(
    opts: {
      timers?: CategoryPolicy;
      customer?: AttributedTo | null;
      category?: 'csam' | 'phishing';
      failFirst?: Parameters<typeof recordingActivities>[0]['failFirst'];
      noContacts?: boolean;
      /** Save the history for the replay test (test/replay) when RECORD_HISTORIES is set. */
      record?: string;
    },
    body: (
      h: WorkflowHandle<typeof noticeWorkflow>,
      rec: ReturnType<typeof recordingActivities>,
    ) => Promise<T>,
  ): Promise<{ result: T; rec: ReturnType<typeof recordingActivities>; outcome: string }> {
    return noticeScenario(ts, { ...opts, timers: opts.timers ?? CSAM }, (h, rec) => {
      current = rec;
      return body(h, rec);
    });
  }

  // SIGNAL_CLEAR_OF_TIMERS: a sleep that ends where a timer falls due has the server fire that timer while the
  // test's next signal arrives; the Java test server then refuses the worker's completion of that workflow task
  // ("invalid history builder state for action") and never hands the task out again, so the notice hangs. Sleeps
  // here end between the workflow's timers (the reminders of tasks opened at 24 h and 28 h fall due 2 h later).
  // The Java test server can fail a workflow task when a query lands mid-task, so progress is read from what the
  // workflow reported through its activities; the status query is asked only while the workflow is idle.
  let current: ReturnType<typeof recordingActivities>;
  const status = (_h: WorkflowHandle<typeof noticeWorkflow>, done: (s: Status) => boolean) =>
    eventually(async () => current.status(), done);
  const completeTask = (
    h: WorkflowHandle<typeof noticeWorkflow>,
    s: Status,
    kind: string,
    outcome: string,
    extra = {},
  ) => {
    const task = s.pendingTasks.find((t) => t.kind === kind);
    if (!task) throw new Error(`no open ${kind} task in ${JSON.stringify(s.pendingTasks)}`);
    return h.signal(taskCompletedSignal, {
      taskId: task.taskId,
      kind: task.kind,
      outcome,
      by: 'desk:test',
      ...extra,
    });
  };

  it('removed in time: the customer says removed, the desk confirms, no reminder or escalation', async () => {
    const { rec, outcome } = await scenario({ record: 'notice-v9-removed-in-time' }, async (h) => {
      await status(h, (s) => s.state === 'customer_notified');
      // Receipt and email inside the run's first workflow task (patch intake-local): the worker ran both as local
      // activities and recorded their results as markers; the server dispatched no activity task for either.
      const events = await historyOnce(h, (e) => localActivitiesIn(e).length >= 2);
      const ran = localActivitiesIn(events);
      expect(ran.map((a) => a.type)).toEqual(['receiveNotice', 'notifyCustomer']);
      expect(events.slice(0, ran[1].at).filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(
        1,
      );
      expect(scheduledActivitiesIn(events)).toEqual([]);
      await ts.env.sleep(2 * H);
      await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
      const s = await status(h, (x) => x.state === 'awaiting_confirmation' && x.pendingTasks.length === 1);
      await ts.env.sleep(1 * H);
      await completeTask(h, s, 'removal_check', 'confirmed');
    });
    expect(outcome).toBe('removed_in_time');
    expect(rec.of('notifyCustomer').map((n) => n.kind)).toEqual(['notice']);
    expect(rec.events()).toEqual([
      'received',
      'attributed',
      'customer_notified',
      'removal_claimed',
      'task_opened',
      'task_completed',
      'closed',
    ]);
    expect(rec.of('sendSourceFeedback')).toHaveLength(1);
    expect(rec.of('closeTasks')).toHaveLength(1);
  });

  it('an outage at receipt: one try inside the workflow task, then the same call as an activity, tried again', async () => {
    const { rec } = await scenario({ failFirst: { receiveNotice: 3, notifyCustomer: 3 } }, async (h) => {
      await status(h, (s) => s.state === 'customer_notified');
      const events = await historyOnce(
        h,
        (e) => e.filter((x) => x.activityTaskCompletedEventAttributes).length >= 2,
      );
      // Each local activity's marker records its one failed try; the server then ran it as an activity, which failed
      // once more and then succeeded.
      expect(localActivitiesIn(events).map(({ type, attempt }) => ({ type, attempt }))).toEqual([
        { type: 'receiveNotice', attempt: 1 },
        { type: 'notifyCustomer', attempt: 1 },
      ]);
      expect(scheduledActivitiesIn(events)).toEqual(['receiveNotice', 'notifyCustomer']);
      await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
    });
    expect(rec.failed).toEqual({ receiveNotice: 3, notifyCustomer: 3 });
    expect(rec.of('notifyCustomer').map((n) => n.kind)).toEqual(['notice']);
    expect(rec.events().slice(0, 3)).toEqual(['received', 'attributed', 'customer_notified']);
  });

  it('a failure no try can mend is not tried again as an activity', async () => {
    let rec: ReturnType<typeof recordingActivities> | undefined;
    let events: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events'] = [];
    await expect(
      scenario({ noContacts: true }, async (h, r) => {
        rec = r;
        events = await historyOnce(h, (e) => e.some((x) => x.workflowExecutionFailedEventAttributes));
      }),
    ).rejects.toThrow('Workflow execution failed');
    expect(rec?.failed.notifyCustomer).toBe(1);
    expect(localActivitiesIn(events ?? []).map((a) => a.type)).toEqual(['receiveNotice', 'notifyCustomer']);
    expect(scheduledActivitiesIn(events ?? [])).toEqual([]);
  });

  it('deadlines count from receipt: the CSAM notice is due 24 hours after it arrived', async () => {
    await scenario({}, async (h) => {
      await status(h, (x) => x.state === 'customer_notified');
      const s = await h.query(statusQuery); // idle now: waiting for its first reminder
      // From the moment of receipt the intake gave it, not from when the workflow ran or attributed it.
      const [input] = (await h.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!.input!
        .payloads!;
      const { receivedAt } = JSON.parse(Buffer.from(input.data!).toString()) as { receivedAt: string };
      expect(Date.parse(s.deadline!)).toBe(Date.parse(receivedAt) + 24 * H);
      await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
    });
  });

  it('ignored: reminders at +6 h and +18 h, a last call at +22 h, escalation at 24 h, a NOC suspension task at +4 h, closed as suspended', async () => {
    const { rec, outcome } = await scenario({ record: 'notice-v1-suspended' }, async (h) => {
      await ts.env.sleep(23 * H);
      expect((await status(h, (x) => x.state === 'reminded')).pendingTasks).toEqual([]);
      await ts.env.sleep(2 * H);
      const escalated = await status(h, (x) => x.state === 'escalated' && x.pendingTasks.length === 1);
      expect(escalated.pendingTasks[0].kind).toBe('account_manager_escalation');
      await ts.env.sleep(4 * H);
      const suspending = await status(h, (x) => x.state === 'suspension_requested');
      await completeTask(h, suspending, 'noc_suspension', 'suspended');
    });
    expect(outcome).toBe('suspended');
    expect(rec.of('notifyCustomer').map((n) => n.key)).toEqual([
      expect.stringMatching(/:notify:0$/),
      expect.stringMatching(/:reminder:0:1$/),
      expect.stringMatching(/:reminder:0:2$/),
      expect.stringMatching(/:last-call:0$/),
    ]);
    expect(rec.of('openTask').map((t) => [t.kind, t.assignee])).toEqual([
      ['account_manager_escalation', 'account_manager'],
      ['noc_suspension', 'noc'],
    ]);
    expect(rec.events()).toContain('suspension_requested');
  });

  it('ignored: the account manager is reminded and, still silent, the abuse-desk lead gets the escalation', async () => {
    const { rec } = await scenario({ timers: PHISHING, category: 'phishing' }, async (h, r) => {
      await ts.env.sleep(48 * H + 1000);
      await status(h, (x) => x.state === 'escalated');
      await ts.env.sleep(13 * H); // AM task due after 12 h (deadline / 4), lead escalation after 24 h (deadline / 2)
      await eventually(
        async () => r.of('remindTask').length,
        (n) => n === 1,
      );
      await ts.env.sleep(12 * H);
      await status(h, (x) => x.pendingTasks.some((t) => t.kind === 'lead_escalation'));
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(rec.of('openTask').map((t) => t.kind)).toEqual(['account_manager_escalation', 'lead_escalation']);
    expect(rec.of('notifyCustomer').map((n) => n.kind)).toEqual(['notice', 'reminder']);
  });

  it('removed late: confirmed after the deadline passed', async () => {
    const { outcome, rec } = await scenario({}, async (h) => {
      await ts.env.sleep(25 * H);
      await status(h, (x) => x.state === 'escalated');
      await h.signal(confirmRemovalSignal, { by: 'source:hotline', note: 'gone now' });
    });
    expect(outcome).toBe('removed_late');
    const closed = rec.of('recordEvent').find((e) => e.type === 'closed')!;
    expect(closed.outcome).toBe('removed_late');
    expect(
      Date.parse(closed.removedAt as string) - Date.parse(rec.of('recordEvent')[0].at as string),
    ).toBeGreaterThan(24 * H);
  });

  it('a removal claimed in time and confirmed after the deadline counts as removed in time, though the clock ran on', async () => {
    const { outcome } = await scenario({}, async (h) => {
      await ts.env.sleep(20 * H);
      await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
      await status(h, (x) => x.state === 'awaiting_confirmation');
      // To +29 h: past the NOC's 28-hour step, short of the task reminders due at +30 h (see SIGNAL_CLEAR_OF_TIMERS).
      await ts.env.sleep(9 * H);
      // A claim is not a removal: unconfirmed, it escalated at 24 h and the NOC was asked at 28 h. The sleep can
      // return before the workflow has reported its 28-hour step: so wait for it.
      await status(h, (x) => x.state === 'suspension_requested');
      await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
    });
    expect(outcome).toBe('removed_in_time');
  });

  it('a removal claim found false after the suspension was requested leaves the notice with the NOC, not back at escalated', async () => {
    const { outcome, rec } = await scenario(
      { record: 'notice-v8-false-claim-after-suspension' },
      async (h) => {
        await ts.env.sleep(20 * H);
        await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
        await status(h, (x) => x.state === 'awaiting_confirmation');
        // Unconfirmed: escalated at 24 h, the NOC asked at 28 h; to +29 h, clear of the reminders due at +30 h.
        await ts.env.sleep(9 * H);
        await status(h, (x) => x.state === 'suspension_requested');
        await h.signal(stillOnlineSignal, { by: 'source:hotline', reason: 'still there at 06:40' });
        // Found by the fault suite: the claim's rejection put the notice back at `escalated`, where it stayed.
        const s = await status(h, (x) => x.falseClaims === 1);
        expect(s.state).toBe('suspension_requested');
        await completeTask(h, s, 'noc_suspension', 'suspended');
      },
    );
    expect(outcome).toBe('suspended');
    expect(rec.events()).toEqual(
      expect.arrayContaining(['removal_claimed', 'escalated', 'suspension_requested', 'still_online']),
    );
  });

  it('a false removal claim is counted and puts the notice back on the deadline clock', async () => {
    const { outcome, rec } = await scenario({}, async (h) => {
      await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
      await status(h, (x) => x.state === 'awaiting_confirmation');
      await h.signal(stillOnlineSignal, { by: 'source:hotline', reason: 'still there at 10:12' });
      expect((await status(h, (x) => x.falseClaims === 1)).state).toBe('customer_notified');
      await ts.env.sleep(25 * H);
      await status(h, (x) => x.state === 'escalated');
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(outcome).toBe('removed_late');
    expect(rec.events()).toEqual(expect.arrayContaining(['removal_claimed', 'still_online', 'escalated']));
  });

  it('dispute accepted: the desk agrees with the customer and the notice closes', async () => {
    const { outcome, rec } = await scenario({}, async (h) => {
      await h.signal(customerResponseSignal, {
        kind: 'dispute',
        reason: 'this is our own test image',
        by: 'customer:C-1001',
      });
      const s = await status(h, (x) => x.pendingTasks.some((t) => t.kind === 'dispute_review'));
      await completeTask(h, s, 'dispute_review', 'accept', { note: 'confirmed with the hotline' });
    });
    expect(outcome).toBe('disputed_accepted');
    expect(rec.events()).toContain('disputed');
  });

  it('dispute rejected: the deadline clock continues and the notice escalates', async () => {
    const { outcome, rec } = await scenario({ record: 'notice-v1-dispute-rejected' }, async (h) => {
      await h.signal(customerResponseSignal, { kind: 'dispute', reason: 'not ours', by: 'customer:C-1001' });
      const s = await status(h, (x) => x.pendingTasks.some((t) => t.kind === 'dispute_review'));
      await completeTask(h, s, 'dispute_review', 'reject', { note: 'the address is in your range' });
      await ts.env.sleep(25 * H);
      await status(h, (x) => x.state === 'escalated');
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(outcome).toBe('removed_late');
    expect(rec.events()).toEqual(expect.arrayContaining(['dispute_rejected', 'escalated']));
  });

  it('unattributed: a task for the desk, then attributed by hand and notified with the deadline from receipt', async () => {
    const { rec } = await scenario(
      { customer: null, record: 'notice-v9-attributed-by-hand' },
      async (h, r) => {
        const s = await status(h, (x) => x.state === 'unattributed' && x.pendingTasks.length === 1);
        expect(s.pendingTasks[0].kind).toBe('attribute');
        await ts.env.sleep(7 * H); // the attribute task is due after 6 h: its assignee is reminded
        await eventually(
          async () => r.of('remindTask').length,
          (n) => n === 1,
        );
        await h.signal(attributeSignal, { customerId: TENANT.id, by: 'desk:test' });
        // The attribute task is cancelled, and the +6 h reminder that passed while unattributed is not sent.
        await status(h, (x) => x.state === 'customer_notified' && x.pendingTasks.length === 0);
        expect((await h.query(statusQuery)).customerId).toBe(TENANT.id);
        await h.signal(confirmRemovalSignal, { by: 'desk:test' });
      },
    );
    expect(rec.of('attributeNotice').map((a) => a.customerId)).toEqual([undefined, TENANT.id]);
    expect(rec.of('notifyCustomer').map((n) => n.kind)).toEqual(['notice']);
    expect(rec.events().slice(0, 5)).toEqual([
      'received',
      'unattributed',
      'task_opened',
      'task_reminded',
      'attributed',
    ]);
  });

  it('a duplicate report joins the notice as an event on its timeline', async () => {
    const { rec } = await scenario({}, async (h, r) => {
      await h.signal(duplicateReportSignal, { by: 'source:Second Hotline', sourceReference: 'SH-77' });
      await eventually(
        async () => r.events(),
        (e) => e.includes('duplicate_report'),
      );
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(rec.of('recordEvent').find((e) => e.type === 'duplicate_report')?.data).toEqual({
      sourceReference: 'SH-77',
    });
  });

  it('escalate now: the desk escalates before the deadline', async () => {
    const { rec } = await scenario({}, async (h) => {
      await h.signal(escalateNowSignal, { by: 'desk:test', reason: 'known bad actor' });
      await status(h, (x) => x.state === 'escalated');
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(rec.of('openTask').map((t) => t.kind)).toEqual(['account_manager_escalation']);
  });

  it('reopen: the same content back after a confirmed removal gives a new deadline and a new notification', async () => {
    const { outcome, rec } = await scenario({}, async (h, r) => {
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
      await status(h, (x) => x.state === 'closed');
      await ts.env.sleep(3 * H);
      await h.signal(reopenSignal, { by: 'source:hotline', reason: 'back online' });
      const s = await status(h, (x) => x.state === 'customer_notified' && x.outcome === null);
      expect(Date.parse(s.deadline!)).toBeGreaterThan(
        Date.parse(r.of('recordEvent')[0].at as string) + 26 * H,
      );
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(outcome).toBe('removed_in_time');
    expect(rec.of('notifyCustomer').map((n) => n.key)).toEqual([
      expect.stringMatching(/:notify:0$/),
      expect.stringMatching(/:notify:1$/),
    ]);
    expect(rec.of('sendSourceFeedback')).toHaveLength(2);
  });
});
