import {
  DEFAULT_POLICY,
  DEMO_POLICY,
  DomainError,
  deadlineAt,
  durationToMs,
  redactUrl,
} from '@takedown/domain';

describe('policy durations', () => {
  it('reads ISO 8601 durations in hours, minutes, seconds and days', () => {
    expect(durationToMs('PT24H')).toBe(24 * 3600_000);
    expect(durationToMs('PT15M')).toBe(15 * 60_000);
    expect(durationToMs('PT5S')).toBe(5000);
    expect(durationToMs('P5D')).toBe(5 * 86400_000);
  });

  it('refuses months and years, which have no fixed length', () => {
    expect(() => durationToMs('P1M')).toThrow(DomainError);
  });

  it('refuses text that is not a duration', () => {
    expect(() => durationToMs('24 hours')).toThrow(/not an ISO 8601 duration/);
  });

  it('gives CSAM a 24 hour deadline and terrorist content 1 hour under the default policy', () => {
    const at = Date.parse('2026-11-20T08:14:00Z');
    expect(new Date(deadlineAt(DEFAULT_POLICY.categories.csam, at)).toISOString()).toBe(
      '2026-11-21T08:14:00.000Z',
    );
    expect(new Date(deadlineAt(DEFAULT_POLICY.categories.terrorist_content, at)).toISOString()).toBe(
      '2026-11-20T09:14:00.000Z',
    );
  });

  it('has a valid duration for every timer of every built-in policy', () => {
    for (const policy of [DEFAULT_POLICY, DEMO_POLICY]) {
      for (const timers of Object.values(policy.categories)) {
        for (const d of [
          ...timers.reminders,
          timers.deadline,
          ...(timers.suspendAfter ? [timers.suspendAfter] : []),
          ...(timers.lastCall ? [timers.lastCall] : []),
        ]) {
          expect(durationToMs(d)).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it('gives CSAM a last call after its last reminder and before its deadline under the built-in policies', () => {
    for (const { categories } of [DEFAULT_POLICY, DEMO_POLICY]) {
      const { reminders, deadline, lastCall } = categories.csam;
      const at = durationToMs(deadline) - durationToMs(lastCall!);
      expect(at).toBeGreaterThan(durationToMs(reminders[reminders.length - 1]));
      expect(at).toBeLessThan(durationToMs(deadline));
    }
  });
});

describe('redactUrl', () => {
  it('keeps scheme and host and drops path and query', () => {
    expect(redactUrl('https://files.tenant-a.example/gallery/8f1c2e?x=1')).toBe(
      'https://files.tenant-a.example/[redacted]',
    );
  });

  it('never echoes something that is not a URL', () => {
    expect(redactUrl('not a url /secret')).toBe('[redacted-url]');
  });
});
