import { patched } from '@temporalio/workflow';
import type { CategoryPolicy } from '@takedown/domain';
import {
  escalationAt,
  lastCallAt,
  leadEscalationAt,
  reminderAt,
  suspensionAt,
} from '@takedown/domain/notice-clock';
import type { NoticeRun } from './state';
import { activities, iso, type NoticeSteps } from './steps';

export interface Timer {
  at: number;
  fire: () => Promise<void>;
}

/**
 * The timers an open notice waits on now, in a fixed order (the earliest fires; of equal ones, the first listed).
 * Every moment comes from the pinned policy through `@takedown/domain`'s notice clock.
 */
export function timersDue(run: NoticeRun, steps: NoticeSteps): Timer[] {
  const list: Timer[] = [];
  if (run.isClosed() || !run.timers) return list;
  const t: CategoryPolicy = run.timers;
  const deadlineMs = run.deadlineMs;
  const remindState = () => (run.state === 'customer_notified' ? 'reminded' : run.state);
  // act_first: the reseller's window; listed first, so that the end customer has the notice before a reminder or the
  // escalation due at the same moment. Reminders wait until then.
  const actFirstUntil = run.actFirstUntilMs;
  if (actFirstUntil !== null) list.push({ at: actFirstUntil, fire: () => steps.actFirstPassed() });
  const copy = steps.resellerCopy();
  if (
    run.customer &&
    deadlineMs !== null &&
    !run.answered &&
    actFirstUntil === null &&
    run.nextReminder < t.reminders.length
  ) {
    const n = run.nextReminder;
    const at = reminderAt(t, run.receivedMs, n);
    list.push({
      at,
      fire: async () => {
        run.nextReminder = n + 1;
        if (at >= deadlineMs) return; // a reminder after the deadline would say nothing new
        await activities.notifyCustomer({
          noticeId: run.id,
          key: `${run.id}:reminder:${run.reopened}:${n + 1}`,
          kind: 'reminder',
          deadline: iso(deadlineMs),
          ...copy.email,
        });
        await steps.record('customer_reminded', {
          next: remindState(),
          data: { reminder: n + 1, ...copy.data },
        });
      },
    });
  }
  // The last call is policy data (CategoryPolicy.lastCall, in policy version 2 for CSAM); acting on it is code that
  // came later. A notice whose pinned policy already named a last call when that code did not exist ran without
  // one, and must replay the same: hence `patched`, asked only where a last call would now be scheduled.
  const lastCall = deadlineMs === null ? null : lastCallAt(t, deadlineMs);
  if (
    lastCall !== null &&
    run.customer &&
    run.notifiedAtMs !== null &&
    !run.answered &&
    run.escalatedAtMs === null &&
    run.lastCalled < run.reopened
  ) {
    // Notified after that moment (attributed by hand late, or a last call longer than the deadline): nothing to add.
    if (run.notifiedAtMs < lastCall && patched('last-call-reminder')) {
      const round = run.reopened;
      list.push({
        at: lastCall,
        fire: async () => {
          run.lastCalled = round;
          await activities.notifyCustomer({
            noticeId: run.id,
            key: `${run.id}:last-call:${round}`,
            kind: 'last_call',
            deadline: iso(deadlineMs as number),
            ...copy.email,
          });
          await steps.record('customer_reminded', {
            next: remindState(),
            data: { lastCall: true, ...copy.data },
          });
        },
      });
    }
  }
  // Listed before the escalation: a probe due at the deadline that finds the material gone closes the notice first.
  const probeAt = run.probeAtMs;
  if (probeAt !== null && run.claimPending()) list.push({ at: probeAt, fire: () => steps.probe() });
  // A claimed removal never stops the clock: unconfirmed at the deadline (plus the policy's grace), it escalates.
  // Runs from before that rule paused here while the desk checked the claim.
  if (
    deadlineMs !== null &&
    run.escalatedAtMs === null &&
    (run.features.claimIsNotRemoval || run.state !== 'awaiting_confirmation')
  ) {
    const claim = run.claimPending();
    list.push({
      at: escalationAt(t, deadlineMs, claim),
      fire: () =>
        steps.escalate(
          claim
            ? `removal claimed at ${iso(run.claimedAtMs as number)} but not confirmed by ${iso(deadlineMs)}`
            : `no confirmed removal by ${iso(deadlineMs)}`,
        ),
    });
  }
  const suspendAt = run.escalatedAtMs === null ? null : suspensionAt(t, run.escalatedAtMs);
  if (suspendAt !== null && !run.suspensionRequested && run.customer) {
    list.push({
      at: suspendAt,
      fire: () =>
        steps.requestSuspension('workflow', 'the policy asks for suspension after a missed deadline'),
    });
  }
  for (const task of run.timeline.tasks()) {
    if (!task.reminded) {
      list.push({
        at: Date.parse(task.dueAt),
        fire: async () => {
          task.reminded = true;
          await activities.remindTask({ taskId: task.taskId, key: `${task.taskId}:reminder` });
          await steps.record('task_reminded', { data: { taskId: task.taskId, kind: task.kind } });
        },
      });
    }
    if (task.kind === 'account_manager_escalation' && !task.leadEscalated) {
      list.push({
        at: leadEscalationAt(t, task.openedAt),
        fire: async () => {
          task.leadEscalated = true;
          await steps.openTask(
            'lead_escalation',
            'abuse_lead',
            'The account manager did not act on a missed deadline.',
          );
        },
      });
    }
  }
  const followUp = run.followUpAtMs;
  if (followUp !== null) {
    list.push({
      at: followUp,
      fire: async () => {
        run.followUpAtMs = null;
        await steps.openTask(
          'lead_escalation',
          'abuse_lead',
          'The account manager acted on a missed deadline, but the notice is still open after the follow-up period.',
        );
      },
    });
  }
  return list;
}
