import fc from 'fast-check';
import {
  CATEGORIES,
  DEFAULT_POLICY,
  DEMO_POLICY,
  durationToMs,
  parsePolicyCategories,
  type CategoryPolicy,
  type PolicyProblem,
} from '@takedown/domain';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const defaults = () => copy(DEFAULT_POLICY.categories) as unknown as Record<string, Record<string, unknown>>;

function problemsOf(input: unknown): PolicyProblem[] {
  const result = parsePolicyCategories(input);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.problems;
}

const fields = (input: unknown) => problemsOf(input).map((p) => p.field);

describe('parsePolicyCategories', () => {
  it('accepts the built-in policies and gives back what was written', () => {
    for (const policy of [DEFAULT_POLICY, DEMO_POLICY]) {
      expect(parsePolicyCategories(copy(policy.categories))).toEqual({
        ok: true,
        categories: policy.categories,
      });
    }
  });

  it('accepts every optional timer and switch of CategoryPolicy', () => {
    const c = defaults();
    c.terrorist_content = {
      reminders: ['PT15M'],
      deadline: 'PT1H',
      suspendAfter: 'PT0S',
      lastCall: 'PT10M',
      claimGrace: 'PT0S',
      taskDue: 'PT5M',
      leadAfter: 'PT30M',
      followUp: 'PT20M',
      reopenWindow: 'P7D',
      aroundTheClock: true,
      nocAtReceipt: true,
      repeatWeight: 3,
    };
    const result = parsePolicyCategories(c);
    expect(result.ok && result.categories.terrorist_content).toEqual(c.terrorist_content);
  });

  it('wants a repeat weight of a whole number from 0 to 10', () => {
    for (const weight of [-1, 1.5, 11, '2']) {
      const c = defaults();
      c.csam.repeatWeight = weight;
      expect(fields(c)).toEqual(['categories.csam.repeatWeight']);
    }
  });

  it('names a missing category, an unknown category and an unknown field by path', () => {
    const c = defaults();
    delete c.spam;
    c.fraud = { reminders: [], deadline: 'PT1H' };
    c.csam.escalateTo = 'noc';
    expect(problemsOf(c)).toEqual([
      { field: 'categories.csam.escalateTo', problems: ['unknown field (not a timer)'] },
      { field: 'categories.spam', problems: ['is required'] },
      {
        field: 'categories.fraud',
        problems: [`unknown field (a category is one of ${CATEGORIES.join(', ')})`],
      },
    ]);
  });

  it('refuses durations that are not ISO 8601, have no fixed length, or are zero where that makes no sense', () => {
    const c = defaults();
    c.csam.deadline = '24 hours';
    c.phishing.deadline = 'P1M';
    c.malware.deadline = 'PT0S';
    c.spam.reminders = ['PT0S', 'PT80H'];
    c.copyright.suspendAfter = 42;
    c.other.deadline = 'P400D';
    c.other.reminders = [`PT${'1'.repeat(100)}S`];
    const problems = problemsOf(c);
    expect(problems).toEqual([
      { field: 'categories.csam.deadline', problems: ['"24 hours" is not an ISO 8601 duration'] },
      {
        field: 'categories.phishing.deadline',
        problems: ['"P1M" uses years or months, which have no fixed length'],
      },
      { field: 'categories.malware.deadline', problems: ['"PT0S" must be longer than zero'] },
      { field: 'categories.spam.reminders[0]', problems: ['"PT0S" must be longer than zero'] },
      {
        field: 'categories.copyright.suspendAfter',
        problems: ['must be an ISO 8601 duration (text such as "PT24H")'],
      },
      { field: 'categories.other.reminders[0]', problems: ['is too long for an ISO 8601 duration'] },
      { field: 'categories.other.deadline', problems: ['"P400D" is longer than 366 days'] },
    ]);
  });

  it('wants reminders ascending and before the deadline, and a last call shorter than the deadline', () => {
    const c = defaults();
    c.csam.reminders = ['PT6H', 'PT6H', 'PT2H', 'PT24H'];
    c.phishing.lastCall = 'PT48H';
    const problems = problemsOf(c);
    expect(problems).toEqual([
      {
        field: 'categories.csam.reminders[1]',
        problems: ['"PT6H" must come after the reminder before it ("PT6H")'],
      },
      {
        field: 'categories.csam.reminders[2]',
        problems: ['"PT2H" must come after the reminder before it ("PT6H")'],
      },
      { field: 'categories.csam.reminders[3]', problems: ['"PT24H" must be before the deadline ("PT24H")'] },
      {
        field: 'categories.phishing.lastCall',
        problems: ['"PT48H" is counted back from the deadline and must be shorter than it ("PT48H")'],
      },
    ]);
  });

  it('reports a wrong deadline once, not again beside each reminder', () => {
    const c = defaults();
    c.csam.deadline = 'PT0S';
    expect(fields(c)).toEqual(['categories.csam.deadline']);
  });

  it('refuses what is not an object of categories, and switches that are not booleans', () => {
    for (const input of [null, [], 'default', 7]) expect(fields(input)).toEqual(['categories']);
    const c = defaults();
    c.csam.nocAtReceipt = 'yes';
    expect(problemsOf(c)).toEqual([
      { field: 'categories.csam.nocAtReceipt', problems: ['must be true or false'] },
    ]);
  });

  const seconds = (s: number) => `PT${s}S`;
  /** A valid category policy: increasing reminders below a deadline, a last call inside it. */
  const validCategory = fc
    .record({
      deadline: fc.integer({ min: 2, max: 86_400 }),
      reminderCount: fc.integer({ min: 0, max: 5 }),
      seed: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
      lastCall: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      suspendAfter: fc.option(fc.integer({ min: 0, max: 86_400 }), { nil: undefined }),
    })
    .map(({ deadline, reminderCount, seed, lastCall, suspendAfter }): CategoryPolicy => {
      const offsets = [
        ...new Set(seed.slice(0, reminderCount).map((x) => 1 + Math.floor(x * (deadline - 1)))),
      ]
        .filter((s) => s < deadline)
        .sort((a, b) => a - b);
      return {
        reminders: offsets.map(seconds),
        deadline: seconds(deadline),
        ...(lastCall !== undefined ? { lastCall: seconds(1 + Math.floor(lastCall * (deadline - 2))) } : {}),
        ...(suspendAfter !== undefined ? { suspendAfter: seconds(suspendAfter) } : {}),
      };
    });
  const validPolicy = fc
    .tuple(...CATEGORIES.map(() => validCategory))
    .map(
      (policies) =>
        Object.fromEntries(CATEGORIES.map((c, i) => [c, policies[i]])) as Record<string, CategoryPolicy>,
    );

  it('accepts every policy that keeps the rules, unchanged (property)', () => {
    fc.assert(
      fc.property(validPolicy, (policy) => {
        expect(parsePolicyCategories(copy(policy))).toEqual({ ok: true, categories: policy });
      }),
    );
  });

  it('names the reminder that breaks the order when two are swapped (property)', () => {
    const withTwoReminders = validPolicy.filter((p) => CATEGORIES.some((c) => p[c].reminders.length >= 2));
    fc.assert(
      fc.property(withTwoReminders, fc.nat(), (policy, pick) => {
        const candidates = CATEGORIES.filter((c) => policy[c].reminders.length >= 2);
        const category = candidates[pick % candidates.length];
        const broken = copy(policy);
        const r = broken[category].reminders;
        [r[0], r[1]] = [r[1], r[0]];
        expect(durationToMs(r[1])).toBeLessThan(durationToMs(r[0]));
        expect(fields(broken)).toEqual([`categories.${category}.reminders[1]`]);
      }),
    );
  });
});
