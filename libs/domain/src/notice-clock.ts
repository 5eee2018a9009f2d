import { durationToMs } from './duration';
import type { NoticeOutcome } from './notice';
import type { NotifierKind } from './dsa';
import type { CategoryPolicy } from './policy';

/**
 * The one place that turns a notice's pinned policy into moments: its deadline, reminders, last call, escalation
 * and suspension times, how long a person has for a task, the follow-up after an account manager acted, the reopen
 * window, and whether a removal met the deadline. The workflow, the activities, the reports and the stats call
 * these; nobody else adds durations to a notice's times. All times are epoch milliseconds.
 */

/**
 * The timers a notice runs on: its category's, with the deadline, reminders and last call of its notifier kind where
 * the policy gives that kind its own (trusted flaggers and authorities first). The activity that pins the policy
 * hands these to the workflow; nothing else picks a notifier's timers.
 */
export function timersFor(category: CategoryPolicy, kind: NotifierKind): CategoryPolicy {
  const { byNotifier, ...timers } = category;
  const own = byNotifier?.[kind];
  if (!own) return timers;
  // Deadline, reminders and last call go together: a category's last call may not fit a notifier's shorter deadline.
  const merged: CategoryPolicy = { ...timers, ...own };
  if (own.lastCall === undefined) delete merged.lastCall;
  return merged;
}

/** The deadline of a notice received (or reopened) at `fromMs`. Deadlines count from receipt, as the codes do. */
export function deadlineAt(timers: CategoryPolicy, fromMs: number): number {
  return fromMs + durationToMs(timers.deadline);
}

/** The length of the deadline period, which several other timers scale with. */
export function deadlinePeriodMs(timers: CategoryPolicy): number {
  return durationToMs(timers.deadline);
}

/** When reminder `n` (0-based) is due, counted from receipt. */
export function reminderAt(timers: CategoryPolicy, receivedMs: number, n: number): number {
  return receivedMs + durationToMs(timers.reminders[n]);
}

/** How many of the reminders were already due `elapsedMs` after receipt (skipped when a notice is attributed late). */
export function remindersDueBy(timers: CategoryPolicy, elapsedMs: number): number {
  let n = 0;
  while (n < timers.reminders.length && durationToMs(timers.reminders[n]) <= elapsedMs) n++;
  return n;
}

/** When the last call goes out before `deadlineMs`, or null where the policy has none. */
export function lastCallAt(timers: CategoryPolicy, deadlineMs: number): number | null {
  return timers.lastCall === undefined ? null : deadlineMs - durationToMs(timers.lastCall);
}

/**
 * When a notice escalates: at the deadline; where a removal is claimed but not yet confirmed, after the policy's
 * grace period (none by default). A claim never stops the clock: it can only delay the escalation by the grace.
 */
export function escalationAt(timers: CategoryPolicy, deadlineMs: number, claimPending: boolean): number {
  return claimPending && timers.claimGrace !== undefined
    ? deadlineMs + durationToMs(timers.claimGrace)
    : deadlineMs;
}

/** When a NOC suspension task is due after an escalation at `escalatedMs`, or null where the policy asks for none. */
export function suspensionAt(timers: CategoryPolicy, escalatedMs: number): number | null {
  return timers.suspendAfter === undefined ? null : escalatedMs + durationToMs(timers.suspendAfter);
}

/** How long a person has for a task the notice opens before being reminded (a quarter of the deadline by default). */
export function taskDueMs(timers: CategoryPolicy): number {
  return timers.taskDue === undefined ? deadlinePeriodMs(timers) / 4 : durationToMs(timers.taskDue);
}

/**
 * When the abuse-desk lead is escalated after the account manager's task opened at `openedMs` and nobody acted
 * (half the deadline by default).
 */
export function leadEscalationAt(timers: CategoryPolicy, openedMs: number): number {
  return (
    openedMs +
    (timers.leadAfter === undefined ? deadlinePeriodMs(timers) / 2 : durationToMs(timers.leadAfter))
  );
}

/**
 * When the lead is escalated after the account manager acknowledged or contacted the customer at `actedMs` and the
 * notice is still open (half the deadline by default).
 */
export function followUpAt(timers: CategoryPolicy, actedMs: number): number {
  return (
    actedMs + (timers.followUp === undefined ? deadlinePeriodMs(timers) / 2 : durationToMs(timers.followUp))
  );
}

/** Until when a notice closed at `closedMs` can be reopened (the same content back): the deadline period by default. */
export function reopenUntil(timers: CategoryPolicy, closedMs: number): number {
  return (
    closedMs +
    (timers.reopenWindow === undefined ? deadlinePeriodMs(timers) : durationToMs(timers.reopenWindow))
  );
}

/** Was the deadline met: the material is gone by the deadline (a confirmed claim counts from the claim's time). */
export function metDeadline(removedAtMs: number, deadlineMs: number | null): boolean {
  return deadlineMs !== null && removedAtMs <= deadlineMs;
}

/** The outcome of a confirmed removal. */
export function removalOutcome(removedAtMs: number, deadlineMs: number | null): NoticeOutcome {
  return metDeadline(removedAtMs, deadlineMs) ? 'removed_in_time' : 'removed_late';
}
