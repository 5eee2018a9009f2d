import { DEFAULT_POLICY } from '@takedown/domain';
import type { ResellerInvolved, TimelineEvent } from '@takedown/workflows/activities';
import { attributeSignal, customerResponseSignal } from '@takedown/workflows/messages';
import {
  completeTaskBySignal,
  noticeScenario,
  reported,
  TENANT,
  type Recorder,
} from '../support/notice-scenario';
import { timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
const MIN = 60_000;
// Reminders +6 h, +18 h; a last call at +22 h; the deadline at 24 h.
const CSAM = DEFAULT_POLICY.categories.csam;
const RESELLER = {
  id: '00000000-0000-4000-8000-0000000000aa',
  reference: 'R-2001',
  name: 'Reseller R',
};
const INFORMED: ResellerInvolved = { ...RESELLER, mode: 'informed' };
const ACT_FIRST: ResellerInvolved = { ...RESELLER, mode: 'act_first', actFirstMinutes: 30 };

const events = (rec: Recorder) =>
  rec.calls.filter((c) => c.name === 'recordEvent').map((c) => c.arg as unknown as TimelineEvent);
const event = (rec: Recorder, type: string) => events(rec).find((e) => e.type === type);
const emails = (rec: Recorder) =>
  rec.of('notifyCustomer') as { key: string; kind: string; deadline: string; reseller?: unknown }[];
const standingFeeds = (rec: Recorder) =>
  rec.of('feedStanding') as { customerId: string; key: string; event: Record<string, unknown> }[];

/**
 * The three reseller modes (patch `reseller-modes`) on the time-skipping server with recording activities: the
 * attribution names the reseller and its mode as of receipt; the real attribution chain, emails and portal are tested
 * end to end in test/e2e/portal-resellers.e2e.spec.ts.
 */
describe('notice workflow: a reseller informed, acting first, or left out (time skipping)', () => {
  const ts = timeSkippingPerTest();

  const removedAndConfirmed = async (
    h: Parameters<Parameters<typeof noticeScenario>[2]>[0],
    rec: Recorder,
    by: string,
  ): Promise<void> => {
    await h.signal(customerResponseSignal, { kind: 'removed', by });
    const s = await reported(rec, (x) => x.pendingTasks.some((t) => t.kind === 'removal_check'));
    await completeTaskBySignal(h, s, 'removal_check', 'confirmed');
    await reported(rec, (x) => x.state === 'closed');
  };

  it('none: the end customer alone gets the notice and its reminders; the reseller is not named', async () => {
    const { rec, outcome } = await noticeScenario(ts, { timers: CSAM }, async (h, rec) => {
      await reported(rec, (s) => s.state === 'customer_notified');
      await ts.env.sleep(7 * H);
      await reported(rec, (s) => s.state === 'reminded');
      await removedAndConfirmed(h, rec, 'customer:C-1001');
    });
    expect(outcome).toBe('removed_in_time');
    expect(emails(rec).map((e) => [e.kind, e.reseller])).toEqual([
      ['notice', undefined],
      ['reminder', undefined],
    ]);
    expect(rec.events()).not.toContain('reseller_notified');
    expect(event(rec, 'customer_notified')?.data).toEqual({
      customerId: TENANT.id,
      deadline: expect.any(String),
    });
    expect(standingFeeds(rec).map((f) => f.customerId)).toEqual([TENANT.id]);
  });

  it('informed: the reseller gets a copy of the notice, each reminder and the last call, named on the timeline; only the end customer is counted', async () => {
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: CSAM, reseller: INFORMED, record: 'notice-r1-informed' },
      async (h, rec) => {
        await reported(rec, (s) => s.state === 'customer_notified');
        await ts.env.sleep(22 * H + 30 * MIN);
        await reported(rec, () => emails(rec).some((e) => e.kind === 'last_call'));
        await removedAndConfirmed(h, rec, 'customer:C-1001');
      },
    );
    expect(outcome).toBe('removed_in_time');
    expect(emails(rec).map((e) => [e.kind, e.reseller])).toEqual([
      ['notice', { role: 'copy' }],
      ['reminder', { role: 'copy' }],
      ['reminder', { role: 'copy' }],
      ['last_call', { role: 'copy' }],
    ]);
    expect(event(rec, 'customer_notified')?.data).toMatchObject({
      customerId: TENANT.id,
      resellerInformed: RESELLER.id,
    });
    const reminded = events(rec).filter((e) => e.type === 'customer_reminded');
    expect(reminded.map((e) => e.data?.resellerInformed)).toEqual([RESELLER.id, RESELLER.id, RESELLER.id]);
    expect(rec.events()).not.toContain('reseller_notified');
    expect(standingFeeds(rec).map((f) => f.customerId)).toEqual([TENANT.id]);
  });

  it('act_first, answered in its window: the reseller alone gets the notice, its answer is the notice’s, the end customer hears nothing', async () => {
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: CSAM, reseller: ACT_FIRST },
      async (h, rec) => {
        await reported(rec, (s) => s.state === 'customer_notified');
        await ts.env.sleep(10 * MIN);
        await removedAndConfirmed(h, rec, 'token:reseller');
        // Past the window and every reminder: nothing more goes out for a closed notice.
        await ts.env.sleep(7 * H);
      },
    );
    expect(outcome).toBe('removed_in_time');
    const [first, ...more] = emails(rec);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ kind: 'notice', reseller: { role: 'first' } });
    expect(first.key).toMatch(/:reseller-first:0$/);
    const notified = event(rec, 'reseller_notified')!;
    expect(notified).toMatchObject({ state: 'customer_notified' });
    expect(notified.data).toMatchObject({ resellerId: RESELLER.id, customerId: TENANT.id });
    expect(Date.parse(notified.data?.actFirstUntil as string) - Date.parse(notified.at)).toBe(30 * MIN);
    expect(rec.events()).not.toContain('customer_notified');
    expect(event(rec, 'removal_claimed')?.actor).toBe('token:reseller');
    expect(standingFeeds(rec).map((f) => f.customerId)).toEqual([TENANT.id]);
  });

  it('act_first, window missed: the end customer is notified after 30 minutes under the same deadline from receipt, and the reseller’s standing counts the miss', async () => {
    let receivedMs = 0;
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: CSAM, reseller: ACT_FIRST, record: 'notice-r1-act-first-missed' },
      async (h, rec) => {
        receivedMs = await ts.env.currentTimeMs();
        await reported(rec, (s) => s.state === 'customer_notified');
        await ts.env.sleep(7 * H);
        await reported(rec, (s) => s.state === 'reminded');
        await removedAndConfirmed(h, rec, 'customer:C-1001');
      },
    );
    expect(outcome).toBe('removed_in_time');
    expect(emails(rec).map((e) => [e.kind, e.reseller === undefined ? 'customer' : 'reseller'])).toEqual([
      ['notice', 'reseller'],
      ['notice', 'customer'],
      ['reminder', 'customer'],
    ]);
    const toReseller = event(rec, 'reseller_notified')!;
    const toCustomer = event(rec, 'customer_notified')!;
    const until = Date.parse(toReseller.data?.actFirstUntil as string);
    expect(until - Date.parse(toReseller.at)).toBe(30 * MIN);
    // The timer fires at the end of the window, a moment of workflow-task time later.
    expect(Date.parse(toCustomer.at) - until).toBeGreaterThanOrEqual(0);
    expect(Date.parse(toCustomer.at) - until).toBeLessThan(MIN);
    expect(toCustomer.data).toMatchObject({ customerId: TENANT.id, resellerMissed: RESELLER.id });
    // The legal clock never restarts: both emails state the deadline 24 hours from receipt.
    const deadlines = emails(rec).map((e) => Date.parse(e.deadline));
    for (const d of deadlines) expect(Math.abs(d - (receivedMs + 24 * H))).toBeLessThan(MIN);
    expect(new Set(deadlines).size).toBe(1);
    const feeds = standingFeeds(rec);
    expect(feeds.map((f) => f.customerId)).toEqual([TENANT.id, RESELLER.id]);
    expect(feeds[0].event).toMatchObject({ deadlineMissed: false, outcome: 'removed_in_time' });
    expect(feeds[1]).toMatchObject({
      key: expect.stringMatching(/:reseller-missed:0$/),
      event: { type: 'notice_closed', deadlineMissed: true, outcome: 'removed_in_time' },
    });
  });

  it('act_first on a notice the desk attributed by hand: the reseller of the chain gets it first there too', async () => {
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: CSAM, customer: null, reseller: ACT_FIRST },
      async (h, rec) => {
        await reported(rec, (s) => s.state === 'unattributed');
        await ts.env.sleep(1 * H);
        await h.signal(attributeSignal, { customerId: TENANT.id, by: 'desk:test' });
        await reported(rec, (s) => s.state === 'customer_notified');
        await ts.env.sleep(31 * MIN);
        await reported(rec, () => rec.events().includes('customer_notified'));
        await removedAndConfirmed(h, rec, 'customer:C-BY-HAND');
      },
    );
    expect(outcome).toBe('removed_in_time');
    expect(emails(rec).map((e) => (e.reseller === undefined ? 'customer' : 'reseller'))).toEqual([
      'reseller',
      'customer',
    ]);
    expect(standingFeeds(rec).map((f) => f.customerId)).toEqual([TENANT.id, RESELLER.id]);
  });

  it('act_first with a window longer than the deadline: the end customer gets the notice at the deadline, before the escalation', async () => {
    const long: ResellerInvolved = { ...RESELLER, mode: 'act_first', actFirstMinutes: 48 * 60 };
    const { rec, outcome } = await noticeScenario(ts, { timers: CSAM, reseller: long }, async (h, rec) => {
      await reported(rec, (s) => s.state === 'customer_notified');
      await ts.env.sleep(24 * H + 5 * MIN);
      await reported(rec, (s) => s.state === 'escalated');
      await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
      const s = await reported(rec, (x) => x.pendingTasks.some((t) => t.kind === 'removal_check'));
      await completeTaskBySignal(h, s, 'removal_check', 'confirmed');
      await reported(rec, (x) => x.state === 'closed');
    });
    expect(outcome).toBe('removed_late');
    const types = rec.events();
    expect(types.indexOf('customer_notified')).toBeGreaterThan(types.indexOf('reseller_notified'));
    expect(types.indexOf('customer_notified')).toBeLessThan(types.indexOf('escalated'));
    expect(event(rec, 'reseller_notified')?.data?.actFirstUntil).toBe(
      event(rec, 'reseller_notified')?.deadline,
    );
    expect(standingFeeds(rec).map((f) => [f.customerId, f.event.deadlineMissed])).toEqual([
      [TENANT.id, true],
      [RESELLER.id, true],
    ]);
  });
});
