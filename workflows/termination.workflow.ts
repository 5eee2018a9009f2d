import { condition, getExternalWorkflowHandle, proxyActivities, setHandler } from '@temporalio/workflow';
import type { TaskAssignee, TaskKind, TerminationStatus } from '@takedown/domain';
import { durationToMs } from '@takedown/domain/duration';
import { WITHDRAWABLE_STATUSES } from '@takedown/domain/termination';
import { taskCompletedSignal, type TaskCompletion } from './messages';
import { Timeline } from './shared/tasks';
import { standingEventSignal, standingWorkflowId } from './standing-messages';
import type { TerminationActivities, TerminationCaseFacts } from './termination-activities';
import { terminationQuery, withdrawCaseSignal } from './termination-messages';

/** Version 1 of the termination workflow's input; the contract and timers are read when the case starts. */
export interface TerminationWorkflowInput {
  version: 1;
  caseId: string;
  customerId: string;
}

const activities = proxyActivities<TerminationActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [
      'CASE.NOT_FOUND',
      'CUSTOMER.NOT_FOUND',
      'CUSTOMER.NO_CONTACTS',
      'TASK.NOT_FOUND',
    ],
  },
});

type Message = { type: 'task'; m: TaskCompletion } | { type: 'withdraw'; by: string; reason?: string };

/**
 * One termination case (DOMAIN.md): legal review → formal notice with the contract's notice period (or at once,
 * where the contract allows it for illegal content) → reminders → decommission task for the NOC → the customer's
 * prefixes released (history kept) → customer terminated. Legal can withdraw the case until the NOC is asked to
 * decommission. Every step is an event on the case's timeline; the standing workflow hears how the case ended.
 */
export async function terminationWorkflow(input: TerminationWorkflowInput): Promise<TerminationStatus> {
  const now = () => new Date().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  let status: TerminationStatus = 'legal_review';
  let effectiveAtMs: number | null = null;
  const timeline = new Timeline(input.caseId);
  const inbox: Message[] = [];

  setHandler(terminationQuery, () => ({
    caseId: input.caseId,
    customerId: input.customerId,
    status,
    effectiveAt: effectiveAtMs === null ? null : iso(effectiveAtMs),
    pendingTasks: timeline.list(),
  }));
  setHandler(taskCompletedSignal, (m) => void inbox.push({ type: 'task', m }));
  setHandler(withdrawCaseSignal, (m) => void inbox.push({ type: 'withdraw', by: m.by, reason: m.reason }));

  const record = (
    type: string,
    opts: { next?: TerminationStatus; actor?: string; reason?: string; data?: Record<string, unknown> } = {},
  ) => {
    if (opts.next) status = opts.next;
    return activities.recordCaseEvent({
      caseId: input.caseId,
      key: timeline.stepKey(type),
      type,
      actor: opts.actor ?? 'workflow',
      reason: opts.reason,
      data: opts.data,
      at: iso(now()),
      status: opts.next,
      effectiveAt: effectiveAtMs === null ? undefined : iso(effectiveAtMs),
    });
  };

  const openTask = async (kind: TaskKind, assignee: TaskAssignee, dueInMs: number, summary: string) => {
    const openedAt = now();
    const dueAt = iso(openedAt + dueInMs);
    const { taskId } = await activities.openCaseTask({
      caseId: input.caseId,
      key: timeline.taskKey(kind),
      kind,
      assignee,
      dueAt,
      summary,
    });
    timeline.add({ taskId, kind, dueAt, assignee, openedAt });
    await record('task_opened', { data: { taskId, kind, assignee, dueAt } });
  };

  /** Waits for a message until `untilMs` (for ever when null), reminding the assignees of overdue tasks meanwhile. */
  const next = async (untilMs: number | null): Promise<Message | null> => {
    for (;;) {
      const reminder = timeline.tasks().find((t) => !t.reminded);
      const reminderAt = reminder ? Date.parse(reminder.dueAt) : null;
      const wakeAt = [untilMs, reminderAt].filter((t): t is number => t !== null);
      const at = wakeAt.length ? Math.min(...wakeAt) : null;
      const got =
        at === null
          ? (await condition(() => inbox.length > 0), true)
          : await condition(() => inbox.length > 0, Math.max(1, at - now()));
      if (got) return inbox.shift() as Message;
      if (reminder && reminderAt !== null && reminderAt <= now()) {
        reminder.reminded = true;
        await activities.remindCaseTask({ taskId: reminder.taskId, key: `${reminder.taskId}:reminder` });
        await record('task_reminded', { data: { taskId: reminder.taskId, kind: reminder.kind } });
        continue;
      }
      if (untilMs !== null && now() >= untilMs) return null;
    }
  };

  const completed = async (m: TaskCompletion) => {
    if (!timeline.remove(m.taskId)) return null;
    await record('task_completed', {
      actor: m.by,
      reason: m.note,
      data: { taskId: m.taskId, kind: m.kind, outcome: m.outcome },
    });
    return `${m.kind}:${m.outcome}`;
  };

  const tellStanding = async (end: 'rejected' | 'withdrawn' | 'terminated', by: string) => {
    const standing = getExternalWorkflowHandle(standingWorkflowId(input.customerId));
    try {
      await standing.signal(standingEventSignal, {
        id: `${input.caseId}:closed`,
        event: { type: 'case_closed', caseId: input.caseId, status: end, by, at: iso(now()) },
      });
    } catch {
      // A case legal opened by hand may have no standing workflow behind it: nothing to tell.
    }
  };

  const finish = async (end: 'rejected' | 'withdrawn' | 'terminated', by: string, reason?: string) => {
    await activities.closeCaseTasks({ caseId: input.caseId, reason: `case ${end}` });
    timeline.clear();
    await record(end, { next: end, actor: by, reason });
    await tellStanding(end, by);
    return end;
  };

  const withdraw = async (m: Extract<Message, { type: 'withdraw' }>) => {
    const noticeSent = status === 'notice_period';
    if (noticeSent) {
      await activities.sendTerminationLetter({
        caseId: input.caseId,
        key: `${input.caseId}:withdrawn`,
        kind: 'withdrawn',
      });
      await activities.setCustomerStatus({ customerId: input.customerId, status: 'active' });
    }
    return finish('withdrawn', m.by, m.reason);
  };

  // --- the case ---
  const facts: TerminationCaseFacts = await activities.loadCase({ caseId: input.caseId });
  const t = facts.timers;
  await record('opened', { next: 'legal_review', data: { customerId: input.customerId } });
  await openTask(
    'legal_review',
    'legal',
    durationToMs(t.legalReviewDue),
    `Review the termination of ${facts.customer.name} (${facts.customer.reference}): approve, or reject with a reason.`,
  );

  // Legal review: approve, reject, or withdraw.
  for (;;) {
    const m = (await next(null)) as Message;
    if (m.type === 'withdraw') return withdraw(m);
    const done = await completed(m.m);
    if (done === 'legal_review:reject') return finish('rejected', m.m.by, m.m.note);
    if (done === 'legal_review:approve') break;
  }

  // The formal notice, with the contract's notice period or at once.
  const immediate = !!facts.contract?.immediateTerminationForIllegalContent && facts.illegalContent;
  const periodMs = immediate ? 0 : (facts.contract?.noticePeriodDays ?? 0) * durationToMs(t.noticePeriodDay);
  effectiveAtMs = now() + periodMs;
  await record('approved', {
    next: 'notice_period',
    data: { immediate, noticePeriodDays: immediate ? 0 : (facts.contract?.noticePeriodDays ?? 0) },
  });
  await activities.setCustomerStatus({ customerId: input.customerId, status: 'terminating' });
  await activities.sendTerminationLetter({
    caseId: input.caseId,
    key: `${input.caseId}:notice`,
    kind: 'notice',
    effectiveAt: iso(effectiveAtMs),
  });
  await record('customer_notified', { data: { effectiveAt: iso(effectiveAtMs) } });

  // Reminders during the notice period; legal can still withdraw.
  const reminders = t.remindersBefore
    .map((before, i) => ({ at: (effectiveAtMs as number) - durationToMs(before), n: i + 1 }))
    .filter((r) => r.at > now())
    .sort((a, b) => a.at - b.at);
  for (;;) {
    const reminder = reminders[0];
    const m = await next(reminder ? reminder.at : effectiveAtMs);
    if (m?.type === 'withdraw') return withdraw(m);
    if (m) continue; // a stray task completion: nothing is open in this step
    if (!reminder) break;
    reminders.shift();
    await activities.sendTerminationLetter({
      caseId: input.caseId,
      key: `${input.caseId}:reminder:${reminder.n}`,
      kind: 'reminder',
      effectiveAt: iso(effectiveAtMs),
    });
    await record('customer_reminded', { data: { reminder: reminder.n } });
  }

  // Decommission: past the point of withdrawal.
  await record('effective', { next: 'decommissioning' });
  await openTask(
    'decommission',
    'noc',
    durationToMs(t.decommissionDue),
    `Decommission ${facts.customer.name} (${facts.customer.reference}): power off, reclaim cross-connects, then confirm.`,
  );
  for (;;) {
    const m = (await next(null)) as Message;
    if (m.type === 'withdraw') {
      await record('withdrawal_refused', {
        actor: m.by,
        reason: `the case is ${status}: a withdrawal is possible only while ${WITHDRAWABLE_STATUSES.join(' or ')}`,
      });
      continue;
    }
    if ((await completed(m.m)) === 'decommission:done') break;
  }
  const { released } = await activities.releasePrefixes({ customerId: input.customerId, at: iso(now()) });
  await record('prefixes_released', { data: { prefixes: released } });
  await activities.setCustomerStatus({ customerId: input.customerId, status: 'terminated' });
  return finish('terminated', 'workflow');
}
