import {
  DEFAULT_POLICY,
  DEMO_POLICY,
  NEVER_PROBED,
  parsePolicyCategories,
  type PolicyProblem,
} from '@takedown/domain';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const defaults = () => copy(DEFAULT_POLICY.categories) as unknown as Record<string, Record<string, unknown>>;

function problemsOf(input: unknown): PolicyProblem[] {
  const result = parsePolicyCategories(input);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.problems;
}

/** Verified removal by HEAD probe is policy data (version 6); CSAM and terrorist content are never probed. */
describe('a policy’s removal probe', () => {
  it('is on for phishing and malware in version 6 of the built-in policies, and off for CSAM and terrorist content', () => {
    for (const policy of [DEFAULT_POLICY, DEMO_POLICY]) {
      expect(policy.version).toBeGreaterThanOrEqual(6);
      expect(policy.categories.phishing.probeRemoval).toBe(true);
      expect(policy.categories.malware.probeRemoval).toBe(true);
      for (const category of NEVER_PROBED) expect(policy.categories[category].probeRemoval).toBeUndefined();
    }
    expect(DEFAULT_POLICY.categories.phishing).toMatchObject({ probeMisses: 3, probeInterval: 'PT5M' });
  });

  it('accepts a probe with its timeout, misses and interval, and gives them back as written', () => {
    const c = defaults();
    c.spam = { ...c.spam, probeRemoval: true, probeTimeout: 'PT10S', probeMisses: 1, probeInterval: 'PT1M' };
    const result = parsePolicyCategories(c);
    expect(result.ok && result.categories.spam).toEqual(c.spam);
  });

  it.each(NEVER_PROBED)('refuses a probe of %s, naming the field', (category) => {
    const c = defaults();
    c[category].probeRemoval = true;
    expect(problemsOf(c)).toEqual([
      {
        field: `categories.${category}.probeRemoval`,
        problems: [expect.stringMatching(/^must not be true: .*hotline/)],
      },
    ]);
  });

  it('takes an explicit "no probe" for CSAM', () => {
    const c = defaults();
    c.csam.probeRemoval = false;
    expect(parsePolicyCategories(c).ok).toBe(true);
  });

  it('refuses a probe of CSAM beside another problem of the same category, naming both', () => {
    const c = defaults();
    c.csam.probeRemoval = true;
    c.csam.reminders = ['PT30H'];
    expect(
      problemsOf(c)
        .map((p) => p.field)
        .sort(),
    ).toEqual(['categories.csam.probeRemoval', 'categories.csam.reminders[0]']);
  });

  it('wants a timeout of at most 30 seconds, 1 to 10 misses, durations, and a boolean switch', () => {
    const c = defaults();
    c.phishing.probeTimeout = 'PT1M';
    c.malware.probeMisses = 0;
    c.spam.probeInterval = 'five minutes';
    c.copyright.probeRemoval = 'yes';
    c.other.probeMisses = 11;
    expect(problemsOf(c)).toEqual(
      expect.arrayContaining([
        { field: 'categories.phishing.probeTimeout', problems: ['"PT1M" is longer than 30 seconds'] },
        { field: 'categories.malware.probeMisses', problems: [expect.any(String)] },
        { field: 'categories.spam.probeInterval', problems: [expect.stringContaining('ISO 8601')] },
        { field: 'categories.copyright.probeRemoval', problems: ['must be true or false'] },
        { field: 'categories.other.probeMisses', problems: [expect.any(String)] },
      ]),
    );
    expect(problemsOf(c)).toHaveLength(5);
  });
});
