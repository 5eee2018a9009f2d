import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { DEFAULT_POLICY, type CategoryPolicy } from '@takedown/domain';
import { dataSourceOptions } from '@takedown/persistence';
import { workflowSource } from '@takedown/worker/workflow-bundle';
import type { AttributedTo, TimelineEvent } from '@takedown/workflows/activities';
import {
  attributeSignal,
  confirmRemovalSignal,
  customerResponseSignal,
  reopenSignal,
  taskCompletedSignal,
} from '@takedown/workflows/messages';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { recordingActivities } from '../support/fake-activities';
import { recordHistory, timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
/** Policy version 2: reminders +6 h and +18 h, a last call 2 h before the 24-hour deadline. */
const CSAM_V2 = DEFAULT_POLICY.categories.csam;
/** Policy version 1, as pinned by notices received before version 2: the same without the last call. */
const CSAM_V1: CategoryPolicy = {
  reminders: CSAM_V2.reminders,
  deadline: CSAM_V2.deadline,
  suspendAfter: CSAM_V2.suspendAfter,
};
const TENANT: AttributedTo = {
  id: '00000000-0000-4000-8000-000000000001',
  reference: 'C-1001',
  name: 'Tenant A',
};

/**
 * The CSAM last call (policy data `lastCall`, acted on behind `patched('last-call-reminder')`) for new notices, on
 * the Java time-skipping test server. Histories from before the change replay in test/replay.
 */
describe('notice workflow: the last call before the deadline (time skipping)', () => {
  const ts = timeSkippingPerTest();

  async function scenario(
    opts: { timers: CategoryPolicy; customer?: AttributedTo | null; record?: string },
    body: (
      h: WorkflowHandle<typeof noticeWorkflow>,
      rec: ReturnType<typeof recordingActivities>,
    ) => Promise<void>,
  ) {
    const rec = recordingActivities({
      customer: opts.customer === undefined ? TENANT : opts.customer,
      timers: opts.timers,
    });
    const taskQueue = `last-call-${randomUUID()}`;
    const worker = await Worker.create({
      connection: ts.env.nativeConnection,
      taskQueue,
      activities: rec.activities,
      ...workflowSource(),
    });
    const receivedMs = await ts.env.currentTimeMs();
    const outcome = await worker.runUntil(async () => {
      const handle = await ts.env.client.workflow.start(noticeWorkflow, {
        args: [
          {
            version: 1,
            noticeId: randomUUID(),
            category: 'csam',
            receivedAt: new Date(receivedMs).toISOString(),
          },
        ],
        workflowId: `notice-${randomUUID()}`,
        taskQueue,
      });
      await body(handle, rec).catch(async (err: unknown) => {
        await handle.terminate('scenario failed').catch(() => undefined);
        throw err;
      });
      const result = await handle.result();
      await recordHistory(handle, opts.record);
      return result;
    });
    const events = rec.of('recordEvent') as unknown as TimelineEvent[];
    const lastCalls = events
      .filter((e) => e.data?.lastCall === true)
      // To the minute: the event is written when the email activity has answered, a few milliseconds later.
      .map((e) => ({ type: e.type, afterHours: Math.round((Date.parse(e.at) - receivedMs) / 60_000) / 60 }));
    return { rec, outcome, lastCalls };
  }

  const state = (rec: ReturnType<typeof recordingActivities>, done: (s: string | null) => boolean) =>
    eventually(async () => rec.status().state, done);

  it('an ignored CSAM notice gets a last call 2 hours before its 24-hour deadline, then escalates as before', async () => {
    const { rec, outcome, lastCalls } = await scenario(
      { timers: CSAM_V2, record: 'notice-v4-last-call' },
      async (h, r) => {
        await ts.env.sleep(23 * H);
        await eventually(
          async () => r.of('notifyCustomer').length,
          (n) => n === 4,
        );
        expect(r.status().state).toBe('reminded');
        await ts.env.sleep(2 * H);
        await state(r, (s) => s === 'escalated');
        await ts.env.sleep(4 * H);
        await state(r, (s) => s === 'suspension_requested');
        const task = r.status().pendingTasks.find((t) => t.kind === 'noc_suspension')!;
        await h.signal(taskCompletedSignal, { ...task, outcome: 'suspended', by: 'noc:test' });
      },
    );
    expect(outcome).toBe('suspended');
    expect(rec.of('notifyCustomer').map((n) => [n.kind, String(n.key).replace(/^.*?:/, '')])).toEqual([
      ['notice', 'notify:0'],
      ['reminder', 'reminder:0:1'],
      ['reminder', 'reminder:0:2'],
      ['last_call', 'last-call:0'],
    ]);
    expect(lastCalls).toEqual([{ type: 'customer_reminded', afterHours: 22 }]);
    // The last call states the same deadline as the notice did.
    const [notice, , , last] = rec.of('notifyCustomer');
    expect(last.deadline).toBe(notice.deadline);
  });

  it('a notice pinned to the policy without a last call (version 1) gets none', async () => {
    const { rec, lastCalls } = await scenario({ timers: CSAM_V1 }, async (h, r) => {
      await ts.env.sleep(25 * H);
      await state(r, (s) => s === 'escalated');
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(lastCalls).toEqual([]);
    expect(rec.of('notifyCustomer').map((n) => n.kind)).toEqual(['notice', 'reminder', 'reminder']);
  });

  it('a customer that answered (a dispute under review) gets no last call', async () => {
    const { lastCalls, outcome } = await scenario({ timers: CSAM_V2 }, async (h, r) => {
      await ts.env.sleep(7 * H);
      await h.signal(customerResponseSignal, { kind: 'dispute', reason: 'not ours', by: 'customer:C-1001' });
      await eventually(
        async () => r.events(),
        (e) => e.includes('disputed'),
      );
      await ts.env.sleep(16 * H); // past the last-call moment (+22 h), before the deadline
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(outcome).toBe('removed_in_time');
    expect(lastCalls).toEqual([]);
  });

  it('a notice attributed by hand after the last-call moment gets its notice, not a last call seconds later', async () => {
    const { rec, lastCalls } = await scenario({ timers: CSAM_V2, customer: null }, async (h, r) => {
      await state(r, (s) => s === 'unattributed');
      await ts.env.sleep(22 * H + 30 * 60_000);
      await h.signal(attributeSignal, { customerId: TENANT.id, by: 'desk:test' });
      await state(r, (s) => s === 'customer_notified');
      await ts.env.sleep(2 * H); // the deadline passes: escalation, and still no last call
      await state(r, (s) => s === 'escalated');
      await h.signal(confirmRemovalSignal, { by: 'desk:test' });
    });
    expect(lastCalls).toEqual([]);
    expect(rec.of('notifyCustomer').map((n) => n.kind)).toEqual(['notice']);
  });

  it('a reopened notice gets a last call before its new deadline', async () => {
    const { lastCalls, rec } = await scenario(
      { timers: CSAM_V2, record: 'notice-v4-reopened-last-call' },
      async (h, r) => {
        await ts.env.sleep(23 * H); // the first round's last call went out at +22 h
        await h.signal(confirmRemovalSignal, { by: 'desk:test' });
        await state(r, (s) => s === 'closed');
        await h.signal(reopenSignal, { by: 'source:hotline', reason: 'back online' });
        await state(r, (s) => s === 'customer_notified');
        await ts.env.sleep(23 * H); // reopened at +23 h: a new 24-hour deadline, its last call at +45 h
        await eventually(
          async () => r.of('notifyCustomer').length,
          (n) => n === 6,
        );
        await h.signal(confirmRemovalSignal, { by: 'desk:test' });
      },
    );
    expect(rec.of('notifyCustomer').map((n) => String(n.key).replace(/^.*?:/, ''))).toEqual([
      'notify:0',
      'reminder:0:1',
      'reminder:0:2',
      'last-call:0',
      'notify:1',
      'last-call:1',
    ]);
    expect(lastCalls.map((c) => Math.round(c.afterHours))).toEqual([22, 45]);
  });
});

describe('timer policy versions 2 to 6 as stored by the migrations', () => {
  it('keep the CSAM last call of version 2 in versions 3 to 7 (the built-in default), and version 1 for older notices', async () => {
    const db = await new DataSource(dataSourceOptions(testEnv().DATABASE_URL)).initialize();
    try {
      const rows = (await db.query(
        `SELECT version, categories FROM policies WHERE id = 'default' ORDER BY version`,
      )) as { version: number; categories: Record<string, CategoryPolicy> }[];
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(rows[6].categories).toEqual(DEFAULT_POLICY.categories);
      // Version 7 added the notifiers' own clocks and nothing else.
      const withoutNotifiers = Object.fromEntries(
        Object.entries(DEFAULT_POLICY.categories).map(([c, { byNotifier: _, ...timers }]) => [c, timers]),
      );
      expect(rows[5].categories).toEqual(withoutNotifiers);
      // Version 5 added a repeat's weight, version 6 a removal probe of phishing and malware: nothing to the clock.
      const { repeatWeight, ...csamClock } = DEFAULT_POLICY.categories.csam;
      expect(repeatWeight).toBe(2);
      expect(rows[4].categories.csam).toEqual(DEFAULT_POLICY.categories.csam);
      for (const row of rows.slice(1, 4)) expect(row.categories.csam).toEqual(csamClock);
      const { probeRemoval, probeTimeout, probeMisses, probeInterval, byNotifier, ...phishingClock } =
        DEFAULT_POLICY.categories.phishing;
      expect(byNotifier).toBeDefined();
      expect({ probeRemoval, probeTimeout, probeMisses, probeInterval }).toEqual({
        probeRemoval: true,
        probeTimeout: 'PT5S',
        probeMisses: 3,
        probeInterval: 'PT5M',
      });
      expect(rows[4].categories.phishing).toEqual(phishingClock);
      expect(rows[0].categories.csam).toEqual(CSAM_V1);
    } finally {
      await db.destroy();
    }
  });
});
