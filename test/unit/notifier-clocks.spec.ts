import { DEFAULT_POLICY, parsePolicyCategories, timersFor, type CategoryPolicy } from '@takedown/domain';

const phishing: CategoryPolicy = {
  reminders: ['PT24H'],
  deadline: 'PT48H',
  lastCall: 'PT2H',
  probeRemoval: true,
  byNotifier: { trusted_flagger: { reminders: ['PT12H'], deadline: 'PT24H' } },
};

/** Who sent it decides the clock (DSA Art. 22): a notifier kind's own timers within a category. */
describe('timers by notifier kind', () => {
  it('gives a notifier kind with timers of its own those, and keeps the category’s other rules', () => {
    expect(timersFor(phishing, 'trusted_flagger')).toEqual({
      reminders: ['PT12H'],
      deadline: 'PT24H',
      probeRemoval: true,
    });
  });

  it('gives every other kind the category’s timers, without the table', () => {
    expect(timersFor(phishing, 'other')).toEqual({
      reminders: ['PT24H'],
      deadline: 'PT48H',
      lastCall: 'PT2H',
      probeRemoval: true,
    });
  });

  it('is in version 7 of the built-in policy: trusted flaggers and authorities first for the slow categories', () => {
    expect(DEFAULT_POLICY.version).toBe(7);
    for (const kind of ['trusted_flagger', 'authority'] as const) {
      expect(timersFor(DEFAULT_POLICY.categories.phishing, kind).deadline).toBe('PT24H');
      expect(timersFor(DEFAULT_POLICY.categories.spam, kind).deadline).toBe('P2D');
      expect(timersFor(DEFAULT_POLICY.categories.csam, kind).deadline).toBe('PT24H');
    }
    expect(timersFor(DEFAULT_POLICY.categories.phishing, 'hotline').deadline).toBe('PT48H');
    expect(parsePolicyCategories(DEFAULT_POLICY.categories)).toEqual({
      ok: true,
      categories: DEFAULT_POLICY.categories,
    });
  });

  it('refuses an unknown notifier kind and timers out of order, by path', () => {
    const parsed = parsePolicyCategories({
      ...DEFAULT_POLICY.categories,
      phishing: {
        reminders: ['PT24H'],
        deadline: 'PT48H',
        byNotifier: {
          trusted_flagger: { reminders: ['PT30H'], deadline: 'PT24H', lastCall: 'PT25H' },
          celebrity: { reminders: [], deadline: 'PT1H' },
        },
      },
    });
    expect(parsed.ok).toBe(false);
    const fields = parsed.ok ? [] : parsed.problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'categories.phishing.byNotifier.trusted_flagger.reminders[0]',
        'categories.phishing.byNotifier.trusted_flagger.lastCall',
      ]),
    );
    expect(
      fields.some((f) => f.startsWith('categories.phishing.byNotifier') && f.includes('celebrity')),
    ).toBe(true);
  });
});
