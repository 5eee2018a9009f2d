import {
  appealInTime,
  assertAppealInTime,
  assertReviewerIsNotDecider,
  DomainError,
  withoutNotice,
} from '@takedown/domain';

const DAY = 86_400_000;

describe('appeal rules', () => {
  const decidedAt = Date.parse('2026-12-01T10:00:00Z');

  it('takes an appeal up to the end of the period, and not a moment after', () => {
    expect(appealInTime(decidedAt, decidedAt + 14 * DAY, 'P14D')).toBe(true);
    expect(appealInTime(decidedAt, decidedAt + 14 * DAY + 1, 'P14D')).toBe(false);
  });

  it('refuses a late appeal with APPEAL.PERIOD_PASSED, naming when the period ended', () => {
    const refused = (() => {
      try {
        assertAppealInTime(decidedAt, decidedAt + 15 * DAY, 'P14D');
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'APPEAL.PERIOD_PASSED', state: 'closed' });
    expect((refused as Error).message).toContain('2026-12-15T10:00:00.000Z');
  });

  it('refuses the decider as reviewer and takes anyone else, also for a decision the workflow made', () => {
    expect(() => assertReviewerIsNotDecider('token:a', 'token:a')).toThrow(
      expect.objectContaining({ code: 'APPEAL.REVIEWER_IS_DECIDER' }),
    );
    expect(() => assertReviewerIsNotDecider('token:b', 'token:a')).not.toThrow();
    expect(() => assertReviewerIsNotDecider('token:b', 'workflow')).not.toThrow();
  });

  it('takes a reversed notice’s counts out of the standing window and leaves the others', () => {
    const entries = [
      { at: 1, counts: ['missedDeadlines' as const], noticeId: 'n1' },
      { at: 2, counts: ['missedDeadlines' as const], noticeId: 'n2' },
      { at: 3, counts: ['contentBack' as const] },
    ];
    expect(withoutNotice(entries, 'n1')).toEqual([entries[1], entries[2]]);
  });
});
