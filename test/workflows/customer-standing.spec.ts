import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { DEFAULT_POLICY, DEFAULT_STANDING_POLICY, type StandingEvent } from '@takedown/domain';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import { confirmRemovalSignal, customerResponseSignal, reopenSignal } from '@takedown/workflows/messages';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { standingEventSignal, standingQuery } from '@takedown/workflows/standing-messages';
import type { StandingLetter, StandingRecord } from '@takedown/workflows/standing-activities';
import { eventually } from '../support/eventually';
import { recordingCaseActivities } from '../support/fake-case-activities';
import { recordingActivities } from '../support/fake-activities';
import { recordHistory, timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
const DAY = 24 * H;
const CUSTOMER = '00000000-0000-4000-8000-000000000001';

/**
 * The customer-standing workflow under the default standing policy (90-day window) on the Java time-skipping test
 * server, and the notice workflow's feed into it. Activities are in-memory recorders.
 */
describe('customer standing workflow (time skipping)', () => {
  const ts = timeSkippingPerTest();

  async function standing<T>(
    opts: { verifiedMeasures?: string[]; maxHistoryEvents?: number },
    body: (
      h: WorkflowHandle<typeof customerStandingWorkflow>,
      rec: ReturnType<typeof recordingCaseActivities>,
    ) => Promise<T>,
  ): Promise<T> {
    const rec = recordingCaseActivities({ verifiedMeasures: opts.verifiedMeasures });
    const taskQueue = `standing-${randomUUID()}`;
    const worker = await Worker.create({
      connection: ts.env.nativeConnection,
      taskQueue,
      activities: rec.activities,
      ...workflowSource(),
    });
    return worker.runUntil(async () => {
      const h = await ts.env.client.workflow.start(customerStandingWorkflow, {
        args: [
          {
            version: 1,
            customerId: CUSTOMER,
            policy: DEFAULT_STANDING_POLICY,
            maxHistoryEvents: opts.maxHistoryEvents,
          },
        ],
        workflowId: `standing-${randomUUID()}`,
        taskQueue,
      });
      try {
        return await body(h, rec);
      } finally {
        await h.terminate('test done').catch(() => undefined);
      }
    });
  }

  let n = 0;
  const missed = (category: 'csam' | 'spam' = 'csam'): { id: string; event: StandingEvent } => {
    const noticeId = `notice-${++n}`;
    return {
      id: `${noticeId}:closed:0`,
      event: {
        type: 'notice_closed',
        noticeId,
        category,
        outcome: 'removed_late',
        deadlineMissed: true,
        falseClaims: 0,
        at: new Date().toISOString(),
      },
    };
  };
  const records = (rec: ReturnType<typeof recordingCaseActivities>) =>
    rec.of('recordStanding') as unknown as StandingRecord[];
  const letters = (rec: ReturnType<typeof recordingCaseActivities>) =>
    (rec.of('sendStandingLetter') as unknown as StandingLetter[]).map((l) => l.level);

  it('three missed CSAM deadlines in 90 days: watch, warning, then a final warning, a letter at each step', async () => {
    await standing({ verifiedMeasures: ['hash_check_uploads'] }, async (h, rec) => {
      for (let i = 1; i <= 3; i++) {
        await h.signal(standingEventSignal, missed());
        await eventually(
          async () => records(rec).length,
          (c) => c === i,
        );
        await ts.env.sleep(10 * DAY);
      }
      expect(letters(rec)).toEqual(['watch', 'warning', 'final_warning']);
      expect(records(rec).map((r) => r.counts.missedCsamDeadlines)).toEqual([1, 2, 3]);
      expect(rec.of('openTerminationCase')).toEqual([]);
      const s = await h.query(standingQuery); // idle: waiting for the first event to age out
      expect(s).toMatchObject({ level: 'final_warning', eventCount: 3 });
      await recordHistory(h, 'standing-v1-final-warning');
    });
  });

  it('without a verified preventive measure the same record is one level worse', async () => {
    await standing({}, async (h, rec) => {
      await h.signal(standingEventSignal, missed());
      await eventually(
        async () => letters(rec),
        (l) => l.length === 1,
      );
      await h.signal(standingEventSignal, missed());
      await eventually(
        async () => letters(rec),
        (l) => l.length === 2,
      );
      expect(letters(rec)).toEqual(['warning', 'final_warning']);
    });
  });

  it('reads the verified measures from the customer record at each evaluation, not a copy of its own', async () => {
    // The record as loadStanding reads it: the desk verifies a measure there, no signal tells the workflow.
    const record: string[] = [];
    await standing({ verifiedMeasures: record }, async (h, rec) => {
      await h.signal(standingEventSignal, missed('spam'));
      await eventually(
        async () => letters(rec),
        (l) => l.length === 1,
      );
      expect(letters(rec)).toEqual(['warning']); // watch, one worse without a verified measure
      record.push('hash_check_uploads');
      await h.signal(standingEventSignal, {
        id: 'notice-in-time:closed:0',
        event: {
          type: 'notice_closed',
          noticeId: 'notice-in-time',
          category: 'spam',
          outcome: 'removed_in_time',
          deadlineMissed: false,
          falseClaims: 0,
          at: new Date().toISOString(),
        },
      });
      await eventually(
        async () => letters(rec),
        (l) => l.length === 2,
      );
      expect(letters(rec)).toEqual(['warning', 'watch']);
      record.length = 0; // the desk drops it again
      await h.signal(standingEventSignal, missed('spam'));
      await eventually(
        async () => records(rec).length,
        (c) => c === 3,
      );
      expect(records(rec).at(-1)?.level).toBe('warning');
      await recordHistory(h, 'standing-v2-measures-from-record');
    });
  });

  it('the window rolls: after 90 days without events the customer is back in good standing', async () => {
    await standing({ verifiedMeasures: ['hash_check_uploads'] }, async (h, rec) => {
      await h.signal(standingEventSignal, missed('spam'));
      await eventually(
        async () => letters(rec),
        (l) => l.length === 1,
      );
      await ts.env.sleep(91 * DAY);
      await eventually(
        async () => letters(rec),
        (l) => l.length === 2,
      );
      expect(letters(rec)).toEqual(['watch', 'good']);
      expect(records(rec).at(-1)).toMatchObject({ level: 'good', counts: { missedDeadlines: 0 } });
    });
  });

  it('a repeated delivery of the same event counts once', async () => {
    await standing({ verifiedMeasures: ['x'] }, async (h, rec) => {
      const e = missed();
      await h.signal(standingEventSignal, e);
      await h.signal(standingEventSignal, e);
      await h.signal(standingEventSignal, missed());
      await eventually(
        async () => records(rec).length,
        (c) => c === 2,
      );
      expect(records(rec).map((r) => r.eventCount)).toEqual([1, 2]);
    });
  });

  it('a bad-faith finding opens a termination case at once, with a letter, and only one case', async () => {
    await standing({ verifiedMeasures: ['x'] }, async (h, rec) => {
      await h.signal(standingEventSignal, {
        id: 'desk-1',
        event: { type: 'bad_faith', by: 'desk:lead', reason: 'refuses to act on CSAM', at: '' },
      });
      await eventually(
        async () => rec.of('openTerminationCase').length,
        (c) => c === 1,
      );
      await h.signal(standingEventSignal, {
        id: 'desk-2',
        event: { type: 'refusal', by: 'desk:lead', reason: 'said so on the phone', at: '' },
      });
      // The letter is an activity of its own beside the record: wait for both.
      await eventually(
        async () => [records(rec).length, letters(rec).length],
        ([r, l]) => r === 2 && l === 1,
      );
      expect(rec.of('openTerminationCase')).toHaveLength(1);
      expect(rec.of('openTerminationCase')[0]).toMatchObject({ customerId: CUSTOMER, openedBy: 'desk:lead' });
      expect(letters(rec)).toEqual(['termination_case']);
      await recordHistory(h, 'standing-v1-bad-faith');
    });
  });

  it('a case legal rejected lets the standing follow the counts, without opening another case', async () => {
    await standing({ verifiedMeasures: ['x'] }, async (h, rec) => {
      await h.signal(standingEventSignal, {
        id: 'desk-1',
        event: { type: 'refusal', by: 'desk:lead', reason: 'refused', at: '' },
      });
      await eventually(
        async () => rec.of('openTerminationCase').length,
        (c) => c === 1,
      );
      const caseId = rec.of('openTerminationCase')[0].caseId as string;
      await h.signal(standingEventSignal, {
        id: `${caseId}:closed`,
        event: { type: 'case_closed', caseId, status: 'rejected', by: 'legal:x', at: '' },
      });
      await eventually(
        async () => letters(rec),
        (l) => l.length === 2,
      );
      expect(letters(rec)).toEqual(['termination_case', 'good']);
      expect(rec.of('openTerminationCase')).toHaveLength(1);
    });
  });

  describe('the notice workflow feeds its customer standing when it closes (patch standing-feed)', () => {
    const TENANT = { id: CUSTOMER, reference: 'C-1001', name: 'Tenant A' };

    it('feeds the outcome, whether the deadline was missed, and content back on a reopen', async () => {
      const rec = recordingActivities({ customer: TENANT, timers: DEFAULT_POLICY.categories.csam });
      const taskQueue = `feed-${randomUUID()}`;
      const worker = await Worker.create({
        connection: ts.env.nativeConnection,
        taskQueue,
        activities: rec.activities,
        ...workflowSource(),
      });
      await worker.runUntil(async () => {
        const noticeId = randomUUID();
        const h = await ts.env.client.workflow.start(noticeWorkflow, {
          args: [
            {
              version: 1,
              noticeId,
              category: 'csam',
              receivedAt: new Date(await ts.env.currentTimeMs()).toISOString(),
            },
          ],
          workflowId: `notice-${noticeId}`,
          taskQueue,
        });
        await eventually(
          async () => rec.status().state,
          (s) => s === 'customer_notified',
        );
        await ts.env.sleep(25 * H);
        await eventually(
          async () => rec.status().state,
          (s) => s === 'escalated',
        );
        await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
        await eventually(
          async () => rec.status().state,
          (s) => s === 'awaiting_confirmation',
        );
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
        await eventually(
          async () => rec.of('feedStanding').length,
          (c) => c === 1,
        );
        await h.signal(reopenSignal, { by: 'source:hotline', reason: 'back online' });
        await eventually(
          async () => rec.of('feedStanding').length,
          (c) => c === 2,
        );
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
        await eventually(
          async () => rec.of('feedStanding').length,
          (c) => c === 3,
        );
        expect(rec.of('feedStanding')).toEqual([
          {
            customerId: CUSTOMER,
            key: `${noticeId}:closed:0`,
            event: expect.objectContaining({
              type: 'notice_closed',
              outcome: 'removed_late',
              deadlineMissed: true,
              category: 'csam',
            }),
          },
          {
            customerId: CUSTOMER,
            key: `${noticeId}:reopened:1`,
            event: expect.objectContaining({ type: 'content_back', noticeId }),
          },
          expect.objectContaining({ key: `${noticeId}:closed:1` }),
        ]);
        await ts.env.sleep(25 * H); // past the reopen period: the workflow ends
        await h.result();
        await recordHistory(h, 'notice-v2-standing-feed');
      });
    });
  });

  it('a repeat counts as content back as often as its weight, a delivery sent twice once', async () => {
    const repeat = (noticeId: string, weight: number): { id: string; event: StandingEvent } => ({
      id: `${noticeId}:repeat`,
      event: {
        type: 'repeat',
        noticeId,
        repeatOf: 'notice-earlier',
        category: weight > 1 ? 'csam' : 'phishing',
        weight,
        at: new Date().toISOString(),
      },
    });
    await standing({ verifiedMeasures: ['hash_check_uploads'] }, async (h, rec) => {
      await h.signal(standingEventSignal, repeat('notice-r1', 1));
      await h.signal(standingEventSignal, repeat('notice-r1', 1));
      // The letter is the activity after the record: wait for both.
      await eventually(
        async () => [records(rec).length, letters(rec).length],
        ([r, l]) => r === 1 && l === 1,
      );
      expect(records(rec)[0].counts.contentBack).toBe(1);
      expect(letters(rec)).toEqual(['final_warning']);
      await ts.env.sleep(DAY);
      await h.signal(standingEventSignal, repeat('notice-r2', 2));
      await eventually(
        async () => records(rec).length,
        (c) => c === 2,
      );
      expect(records(rec)[1].counts.contentBack).toBe(3);
      expect(records(rec).map((r) => r.eventCount)).toEqual([1, 2]);
      // Content back 2 is the termination-case threshold: the case opens once the record is written.
      await eventually(
        async () => rec.of('openTerminationCase').length,
        (c) => c === 1,
      );
      expect(await h.query(standingQuery)).toMatchObject({ level: 'termination_case', eventCount: 2 });
    });
  });

  // Last: hundreds of signals in a row can make the test server drop the client's connection for a while (excess
  // pings), which would stall the tests after it.
  it('continue-as-new keeps the counts exact across 300 events and 30 runs', async () => {
    // A short history per run (about 13 events of history per standing event): as many hand-overs as 1,000 events
    // at 400, in a third of the time.
    const EVENTS = 300;
    await standing({ verifiedMeasures: ['x'], maxHistoryEvents: 120 }, async (h, rec) => {
      const firstRunId = (await h.describe()).runId;
      for (let i = 0; i < EVENTS; i++) await h.signal(standingEventSignal, missed('spam'));
      await eventually(
        async () => records(rec).length,
        (c) => c === EVENTS,
        120_000,
      );
      expect(records(rec).map((r) => r.eventCount)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      expect(records(rec).at(-1)?.counts.missedDeadlines).toBe(EVENTS);
      expect(rec.of('openTerminationCase')).toHaveLength(1); // at the 10th, once
      // Once at the start, then the measures for each evaluation: later runs get the window handed on.
      expect(rec.of('loadStanding')).toHaveLength(EVENTS + 1);
      // The runs, from the first by each one's continued-as-new event.
      let runs = 1;
      for (let run = firstRunId; ; runs++) {
        const events =
          (await ts.env.client.workflow.getHandle(h.workflowId, run).fetchHistory()).events ?? [];
        const next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
        if (!next) break;
        run = next;
      }
      expect(runs).toBeGreaterThanOrEqual(30);
      const s = await ts.env.client.workflow.getHandle(h.workflowId).query(standingQuery);
      expect(s).toMatchObject({
        eventCount: EVENTS,
        counts: { missedDeadlines: EVENTS },
        level: 'termination_case',
      });
    });
  }, 300_000);
});
