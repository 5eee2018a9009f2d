import {
  DEFAULT_POLICY,
  deadlineAt,
  escalationAt,
  followUpAt,
  lastCallAt,
  leadEscalationAt,
  metDeadline,
  reminderAt,
  remindersDueBy,
  removalOutcome,
  reopenUntil,
  suspensionAt,
  taskDueMs,
  type CategoryPolicy,
} from '@takedown/domain';

const H = 3600_000;
const CSAM = DEFAULT_POLICY.categories.csam; // reminders +6 h, +18 h; last call 2 h before; 24 h; NOC 4 h after
const T0 = Date.parse('2026-11-20T08:14:00Z');

/** The notice clock: every moment of a notice's life from its pinned policy, in one module. */
describe('the notice clock', () => {
  it('counts the deadline, reminders and last call from receipt, as the codes of conduct do', () => {
    expect(deadlineAt(CSAM, T0)).toBe(T0 + 24 * H);
    expect([0, 1].map((n) => reminderAt(CSAM, T0, n))).toEqual([T0 + 6 * H, T0 + 18 * H]);
    expect(lastCallAt(CSAM, T0 + 24 * H)).toBe(T0 + 22 * H);
    expect(lastCallAt(DEFAULT_POLICY.categories.phishing, T0)).toBeNull();
    expect([5, 6, 17, 18, 30].map((h) => remindersDueBy(CSAM, h * H))).toEqual([0, 1, 1, 2, 2]);
  });

  it('escalates a notice at its deadline, and an unconfirmed claim only after the grace the policy gives', () => {
    expect(escalationAt(CSAM, T0 + 24 * H, false)).toBe(T0 + 24 * H);
    expect(escalationAt(CSAM, T0 + 24 * H, true)).toBe(T0 + 24 * H); // no grace by default: a claim is not a removal
    const graced: CategoryPolicy = { ...CSAM, claimGrace: 'PT2H' };
    expect(escalationAt(graced, T0 + 24 * H, true)).toBe(T0 + 26 * H);
    expect(escalationAt(graced, T0 + 24 * H, false)).toBe(T0 + 24 * H);
  });

  it('derives task, lead, follow-up, suspension and reopen times from the deadline unless the policy names them', () => {
    expect(taskDueMs(CSAM)).toBe(6 * H);
    expect(leadEscalationAt(CSAM, T0)).toBe(T0 + 12 * H);
    expect(followUpAt(CSAM, T0)).toBe(T0 + 12 * H);
    expect(reopenUntil(CSAM, T0)).toBe(T0 + 24 * H);
    expect(suspensionAt(CSAM, T0)).toBe(T0 + 4 * H);
    expect(suspensionAt(DEFAULT_POLICY.categories.spam, T0)).toBeNull();
    const named: CategoryPolicy = {
      ...CSAM,
      taskDue: 'PT1H',
      leadAfter: 'PT3H',
      followUp: 'PT5H',
      reopenWindow: 'P7D',
    };
    expect(taskDueMs(named)).toBe(H);
    expect(leadEscalationAt(named, T0)).toBe(T0 + 3 * H);
    expect(followUpAt(named, T0)).toBe(T0 + 5 * H);
    expect(reopenUntil(named, T0)).toBe(T0 + 7 * 24 * H);
  });

  it('says whether a removal met the deadline: on the deadline is in time, a moment later is late', () => {
    const deadline = T0 + 24 * H;
    expect(metDeadline(deadline, deadline)).toBe(true);
    expect(removalOutcome(deadline, deadline)).toBe('removed_in_time');
    expect(removalOutcome(deadline + 1, deadline)).toBe('removed_late');
    expect(metDeadline(T0, null)).toBe(false);
  });
});
