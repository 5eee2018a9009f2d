import { DEFAULT_STANDING_POLICY, countsOf, emptyCounts, levelFor, windowCounts } from '@takedown/domain';

const P = DEFAULT_STANDING_POLICY;
const opts = { hasVerifiedMeasure: true, terminationCase: false };

describe('standing rules (policy data)', () => {
  it('thresholds give the level: any count reaching a level’s threshold reaches the level', () => {
    expect(levelFor(P, emptyCounts(), opts)).toBe('good');
    expect(levelFor(P, { ...emptyCounts(), missedDeadlines: 1, missedCsamDeadlines: 1 }, opts)).toBe('watch');
    expect(levelFor(P, { ...emptyCounts(), missedDeadlines: 2, missedCsamDeadlines: 2 }, opts)).toBe(
      'warning',
    );
    expect(levelFor(P, { ...emptyCounts(), missedDeadlines: 3, missedCsamDeadlines: 3 }, opts)).toBe(
      'final_warning',
    );
    expect(levelFor(P, { ...emptyCounts(), falseClaims: 2 }, opts)).toBe('final_warning');
    expect(levelFor(P, { ...emptyCounts(), contentBack: 1 }, opts)).toBe('final_warning');
    expect(levelFor(P, { ...emptyCounts(), contentBack: 2 }, opts)).toBe('termination_case');
  });

  it('lack of a verified preventive measure raises a level by one, but never into a termination case', () => {
    const noMeasure = { ...opts, hasVerifiedMeasure: false };
    expect(levelFor(P, emptyCounts(), noMeasure)).toBe('good');
    expect(levelFor(P, { ...emptyCounts(), missedDeadlines: 1 }, noMeasure)).toBe('warning');
    expect(levelFor(P, { ...emptyCounts(), falseClaims: 2 }, noMeasure)).toBe('final_warning');
  });

  it('a case (refusal, bad faith) wins; after a rejected case the counts alone stop at a final warning', () => {
    expect(levelFor(P, emptyCounts(), { ...opts, terminationCase: true })).toBe('termination_case');
    expect(levelFor(P, { ...emptyCounts(), contentBack: 5 }, { ...opts, capAtFinalWarning: true })).toBe(
      'final_warning',
    );
  });

  it('a closed notice counts a missed deadline, a CSAM one twice over, ignored (suspended) and false claims', () => {
    expect(
      countsOf({
        type: 'notice_closed',
        noticeId: 'n',
        category: 'csam',
        outcome: 'suspended',
        deadlineMissed: true,
        falseClaims: 2,
        at: '',
      }),
    ).toEqual(['missedDeadlines', 'missedCsamDeadlines', 'ignored', 'falseClaims', 'falseClaims']);
  });

  it('a repeat counts as content back as often as its weight (none at weight 0)', () => {
    const repeat = (weight: number) =>
      countsOf({ type: 'repeat', noticeId: 'n', repeatOf: 'm', category: 'csam', weight, at: '' });
    expect(repeat(1)).toEqual(['contentBack']);
    expect(repeat(2)).toEqual(['contentBack', 'contentBack']);
    expect(repeat(0)).toEqual([]);
  });

  it('only entries inside the window count', () => {
    const day = 86_400_000;
    const entries = [
      { at: 0, counts: ['missedDeadlines' as const] },
      { at: 50 * day, counts: ['missedDeadlines' as const] },
    ];
    expect(windowCounts(entries, 95 * day, 90 * day).missedDeadlines).toBe(1);
    expect(windowCounts(entries, 60 * day, 90 * day).missedDeadlines).toBe(2);
  });
});
