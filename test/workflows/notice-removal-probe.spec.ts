import { DEFAULT_POLICY, type CategoryPolicy } from '@takedown/domain';
import type { TimelineEvent } from '@takedown/workflows/activities';
import { confirmRemovalSignal, customerResponseSignal } from '@takedown/workflows/messages';
import { completeTaskBySignal, noticeScenario, reported, type Recorder } from '../support/notice-scenario';
import { timeSkippingPerTest } from '../support/time-skipping';

const H = 3600_000;
const MIN = 60_000;
// Policy version 6: reminder +24 h, deadline 48 h; a claim probed by HEAD, three misses five minutes apart.
const PHISHING = DEFAULT_POLICY.categories.phishing;

const events = (rec: Recorder) =>
  rec.calls.filter((c) => c.name === 'recordEvent').map((c) => c.arg as unknown as TimelineEvent);
const probes = (rec: Recorder) => events(rec).filter((e) => e.type === 'removal_probed');

/**
 * A customer's removal claim checked by HEAD requests where the pinned policy allows it (patch `removal-probe`), on
 * the time-skipping server with recording activities: the probe's answers are scripted round by round here; the real
 * requests are tested against a server on loopback in test/e2e/removal-probe.e2e.spec.ts.
 */
describe('notice workflow: verified removal by probe (time skipping)', () => {
  const ts = timeSkippingPerTest();

  const claim = async (
    h: Parameters<Parameters<typeof noticeScenario>[2]>[0],
    rec: Recorder,
  ): Promise<void> => {
    await reported(rec, (s) => s.state === 'customer_notified');
    await ts.env.sleep(1 * H);
    await h.signal(customerResponseSignal, { kind: 'removed', by: 'customer:C-1001' });
    await reported(rec, (s) => s.pendingTasks.some((t) => t.kind === 'removal_check'));
  };

  it('the probe finds the material gone three times, five minutes apart: the notice closes removed, from the claim', async () => {
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: PHISHING, category: 'phishing', probe: () => 'gone', record: 'notice-v7-probe-gone' },
      async (h, rec) => {
        await claim(h, rec);
        await ts.env.sleep(11 * MIN);
        await reported(rec, (s) => s.state === 'closed');
      },
    );
    expect(outcome).toBe('removed_in_time');
    expect(rec.of('probeRemoval')).toHaveLength(3);
    const rounds = probes(rec);
    expect(rounds.map((e) => e.data)).toEqual([
      expect.objectContaining({ round: 1, result: 'gone', gone: 1, needed: 3 }),
      expect.objectContaining({ round: 2, result: 'gone', gone: 2, needed: 3 }),
      expect.objectContaining({ round: 3, result: 'gone', gone: 3, needed: 3 }),
    ]);
    // Each round is recorded once its requests are answered, a moment after the timer that started it.
    const apart = Date.parse(rounds[2].at) - Date.parse(rounds[0].at);
    expect(apart).toBeGreaterThanOrEqual(10 * MIN);
    expect(apart).toBeLessThan(11 * MIN);
    const claimed = events(rec).find((e) => e.type === 'removal_claimed')!;
    const closed = events(rec).find((e) => e.type === 'closed')!;
    expect(closed).toMatchObject({ actor: 'workflow:probe', removedAt: claimed.at });
    expect(rec.events()).not.toContain('escalated');
    // The desk's removal check is cancelled with the close.
    expect(rec.of('closeTasks')).toHaveLength(1);
  });

  it('the probe finds the material still there: the claim is counted false, and the notice escalates at the deadline as before', async () => {
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: PHISHING, category: 'phishing', probe: () => 'present', record: 'notice-v7-probe-present' },
      async (h, rec) => {
        await claim(h, rec);
        await reported(rec, (s) => s.falseClaims === 1);
        await ts.env.sleep(48 * H);
        await reported(rec, (s) => s.state === 'escalated');
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
      },
    );
    expect(outcome).toBe('removed_late');
    expect(rec.of('probeRemoval')).toHaveLength(1);
    expect(probes(rec).map((e) => e.data?.result)).toEqual(['present']);
    const online = events(rec).find((e) => e.type === 'still_online')!;
    expect(online).toMatchObject({ actor: 'workflow:probe', reason: expect.stringContaining('200') });
    const escalated = events(rec).find((e) => e.type === 'escalated')!;
    expect(escalated.reason).toMatch(/^no confirmed removal by /);
  });

  it('a flapping answer (gone, then online) is still online: no removal is confirmed on a miss or two', async () => {
    const { rec } = await noticeScenario(
      ts,
      { timers: PHISHING, category: 'phishing', probe: (n) => (n === 1 ? 'gone' : 'present') },
      async (h, rec) => {
        await claim(h, rec);
        await ts.env.sleep(6 * MIN);
        await reported(rec, (s) => s.falseClaims === 1);
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
      },
    );
    expect(probes(rec).map((e) => e.data?.result)).toEqual(['gone', 'present']);
    expect(rec.events()).toContain('still_online');
  });

  it('no answer (a timeout) concludes nothing: the probe stops and the desk’s removal check decides', async () => {
    const { rec, outcome } = await noticeScenario(
      ts,
      { timers: PHISHING, category: 'phishing', probe: () => 'unknown' },
      async (h, rec) => {
        await claim(h, rec);
        await reported(rec, () => probes(rec).length === 1);
        await ts.env.sleep(30 * MIN);
        const s = await reported(rec, (x) => x.pendingTasks.length === 1);
        await completeTaskBySignal(h, s, 'removal_check', 'confirmed');
      },
    );
    expect(outcome).toBe('removed_in_time');
    expect(rec.of('probeRemoval')).toHaveLength(1);
    expect(probes(rec)[0].data).toMatchObject({
      result: 'unknown',
      answers: [expect.objectContaining({ status: null })],
    });
    expect(rec.events()).not.toContain('still_online');
  });

  it('a worker that probes nothing leaves the timeline as it was', async () => {
    const { rec } = await noticeScenario(ts, { timers: PHISHING, category: 'phishing' }, async (h, rec) => {
      await claim(h, rec);
      await reported(rec, () => rec.of('probeRemoval').length === 1);
      await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
    });
    expect(probes(rec)).toEqual([]);
    expect(rec.of('probeRemoval')).toHaveLength(1);
  });

  it('never probes a CSAM notice, even under a policy that says so (validation refuses such a policy)', async () => {
    const probing: CategoryPolicy = { ...DEFAULT_POLICY.categories.csam, probeRemoval: true };
    const { rec } = await noticeScenario(
      ts,
      { timers: probing, category: 'csam', probe: () => 'gone' },
      async (h, rec) => {
        await claim(h, rec);
        await ts.env.sleep(30 * MIN);
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
      },
    );
    expect(rec.of('probeRemoval')).toEqual([]);
    expect(probes(rec)).toEqual([]);
  });

  it('a policy without the probe leaves the claim to the desk', async () => {
    const { rec } = await noticeScenario(
      ts,
      { timers: DEFAULT_POLICY.categories.spam, category: 'spam', probe: () => 'gone' },
      async (h, rec) => {
        await claim(h, rec);
        await ts.env.sleep(30 * MIN);
        await h.signal(confirmRemovalSignal, { by: 'source:hotline' });
      },
    );
    expect(rec.of('probeRemoval')).toEqual([]);
  });
});
