import { condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  durationToMs,
  type Category,
  type CategoryPolicy,
  type NoticeOutcome,
  type NoticeState,
  type TaskAssignee,
  type TaskKind,
} from '@takedown/domain';
import type { AttributedTo, AttributionResult, NoticeActivities, TimelineEvent } from './activities';
import {
  addNoteSignal,
  attributeSignal,
  confirmRemovalSignal,
  customerResponseSignal,
  duplicateReportSignal,
  escalateNowSignal,
  rejectInvalidSignal,
  reopenSignal,
  statusQuery,
  stillOnlineSignal,
  taskCompletedSignal,
  withdrawSignal,
  type PendingTask,
} from './messages';

/** Version 1 of the notice workflow's input. The policy is pinned by the attribution step, as of `receivedAt`. */
export interface NoticeWorkflowInput {
  version: 1;
  noticeId: string;
  category: Category;
  receivedAt: string;
}

const activities = proxyActivities<NoticeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: [
      'NOTICE.NOT_FOUND',
      'NOTICE.UNATTRIBUTED',
      'CUSTOMER.NOT_FOUND',
      'CUSTOMER.NO_CONTACTS',
      'POLICY.NOT_FOUND',
      'TASK.NOT_FOUND',
    ],
  },
});

/** Every message the workflow reacts to, queued so that each is handled in order, between timers. */
type Message =
  | { type: 'confirm'; by: string; note?: string }
  | { type: 'stillOnline'; by: string; reason?: string }
  | { type: 'customer'; kind: 'removed' | 'dispute'; by: string; reason?: string }
  | {
      type: 'task';
      taskId: string;
      kind: TaskKind;
      outcome: string;
      by: string;
      note?: string;
      customerId?: string;
    }
  | { type: 'attribute'; customerId: string; by: string }
  | { type: 'reopen' | 'invalid' | 'escalateNow' | 'withdraw'; by: string; reason?: string }
  | { type: 'note'; by: string; note: string }
  | { type: 'duplicate'; by: string; sourceReference: string };

interface Timer {
  at: number;
  fire: () => Promise<void>;
}

/**
 * One notice from receipt to its outcome (DOMAIN.md): attribute → notify the customer → remind → resolve or
 * escalate (account manager, then the abuse-desk lead; a NOC suspension task where the policy says so) → close
 * with an outcome and feedback to the source. Deadlines count from receipt, as the codes of conduct do. After
 * closing, the notice can be reopened for as long as its deadline period (the same content back online).
 */
export async function noticeWorkflow(input: NoticeWorkflowInput): Promise<NoticeOutcome> {
  const receivedMs = Date.parse(input.receivedAt);
  // Inside the workflow sandbox `Date` is the workflow clock, replayed deterministically, not the host's.
  const now = () => new Date().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();

  let state: NoticeState = 'received';
  let outcome: NoticeOutcome | null = null;
  let customer: AttributedTo | null = null;
  let timers: CategoryPolicy | null = null;
  let deadlineMs: number | null = null;
  let answered = false;
  let claimedAtMs: number | null = null;
  let falseClaims = 0;
  let falseClaimsFed = 0; // a reopened notice that closes again feeds only the false claims made since
  let reopened = 0;
  let nextReminder = 0;
  let notifiedAtMs: number | null = null;
  let lastCalled = -1; // the `reopened` round whose last call went out
  let escalatedAtMs: number | null = null;
  let suspensionRequested = false;
  let seq = 0;
  const inbox: Message[] = [];
  const pending = new Map<
    string,
    PendingTask & { reminded?: boolean; leadEscalated?: boolean; assignee: TaskAssignee }
  >();

  setHandler(statusQuery, () => ({
    state,
    deadline: deadlineMs === null ? null : iso(deadlineMs),
    outcome,
    customerId: customer?.id ?? null,
    falseClaims,
    pendingTasks: [...pending.values()].map(({ taskId, kind, dueAt }) => ({ taskId, kind, dueAt })),
  }));
  setHandler(confirmRemovalSignal, (m) => void inbox.push({ type: 'confirm', by: m.by, note: m.note }));
  setHandler(stillOnlineSignal, (m) => void inbox.push({ type: 'stillOnline', by: m.by, reason: m.reason }));
  setHandler(
    customerResponseSignal,
    (m) => void inbox.push({ type: 'customer', kind: m.kind, by: m.by, reason: m.reason }),
  );
  setHandler(taskCompletedSignal, (m) => void inbox.push({ type: 'task', ...m }));
  setHandler(
    attributeSignal,
    (m) => void inbox.push({ type: 'attribute', customerId: m.customerId, by: m.by }),
  );
  setHandler(reopenSignal, (m) => void inbox.push({ type: 'reopen', by: m.by, reason: m.reason }));
  setHandler(rejectInvalidSignal, (m) => void inbox.push({ type: 'invalid', by: m.by, reason: m.reason }));
  setHandler(escalateNowSignal, (m) => void inbox.push({ type: 'escalateNow', by: m.by, reason: m.reason }));
  setHandler(withdrawSignal, (m) => void inbox.push({ type: 'withdraw', by: m.by, reason: m.reason }));
  setHandler(addNoteSignal, (m) => void inbox.push({ type: 'note', by: m.by, note: m.note }));
  setHandler(
    duplicateReportSignal,
    (m) => void inbox.push({ type: 'duplicate', by: m.by, sourceReference: m.sourceReference }),
  );

  // `state` changes inside handlers; a function keeps TypeScript from narrowing it at the call sites.
  const isClosed = () => state === 'closed';

  /** The next timeline step (its key numbered in order); the state moves on with it. */
  const step = (
    type: string,
    opts: {
      next?: NoticeState;
      actor?: string;
      reason?: string;
      data?: Record<string, unknown>;
      removedAt?: number;
    } = {},
  ): TimelineEvent => {
    if (opts.next) state = opts.next;
    return {
      noticeId: input.noticeId,
      key: `${input.noticeId}:${++seq}:${type}`,
      type,
      actor: opts.actor ?? 'workflow',
      reason: opts.reason,
      data: opts.data,
      at: iso(now()),
      state: opts.next,
      outcome: opts.next === 'closed' ? (outcome ?? undefined) : undefined,
      deadline: deadlineMs === null ? undefined : iso(deadlineMs),
      removedAt: opts.removedAt === undefined ? undefined : iso(opts.removedAt),
    };
  };
  const record = async (type: string, opts: Parameters<typeof step>[1] = {}) => {
    await activities.recordEvent(step(type, opts));
  };

  const openTask = async (kind: TaskKind, assignee: TaskAssignee, dueInMs: number, summary: string) => {
    const key = `${input.noticeId}:task:${kind}:${++seq}`;
    const dueAt = iso(now() + dueInMs);
    const { taskId } = await activities.openTask({
      noticeId: input.noticeId,
      key,
      kind,
      assignee,
      dueAt,
      summary,
    });
    pending.set(taskId, { taskId, kind, dueAt, assignee });
    await record('task_opened', { data: { taskId, kind, assignee, dueAt } });
  };
  const hasOpen = (kind: TaskKind) => [...pending.values()].some((t) => t.kind === kind);

  const pinPolicy = async (customerId?: string) => {
    const result = await activities.attributeNotice({
      noticeId: input.noticeId,
      category: input.category,
      receivedAt: input.receivedAt,
      customerId,
    });
    customer = result.customer;
    timers = result.policy.timers;
    return result;
  };
  const deadlineDurationMs = () => durationToMs((timers as CategoryPolicy).deadline);

  /** `inOneStep`: the email and its timeline step in one activity (patch `intake-in-fewer-steps`). */
  const notifyCustomer = async (inOneStep = false) => {
    deadlineMs = receivedMs + deadlineDurationMs();
    notifiedAtMs = now();
    const email = {
      noticeId: input.noticeId,
      key: `${input.noticeId}:notify:${reopened}`,
      kind: 'notice' as const,
      deadline: iso(deadlineMs),
    };
    const notified = {
      next: 'customer_notified' as const,
      data: { customerId: customer?.id, deadline: iso(deadlineMs) },
    };
    if (inOneStep) {
      await activities.notifyCustomer({ ...email, then: step('customer_notified', notified) });
      return;
    }
    await activities.notifyCustomer(email);
    await record('customer_notified', notified);
  };

  const escalate = async (reason: string, actor = 'workflow') => {
    if (escalatedAtMs !== null) return;
    escalatedAtMs = now();
    await record('escalated', { next: 'escalated', actor, reason });
    if (customer) {
      await openTask(
        'account_manager_escalation',
        'account_manager',
        escalationReminderMs(),
        'The customer missed the removal deadline: contact it, or request suspension.',
      );
    } else {
      await openTask(
        'lead_escalation',
        'abuse_lead',
        escalationReminderMs(),
        'A notice nobody could attribute passed its deadline.',
      );
    }
  };
  // Escalation timers scale with the category's deadline, so that a 1-hour removal order escalates in minutes.
  const escalationReminderMs = () => deadlineDurationMs() / 4;
  const leadEscalationMs = () => deadlineDurationMs() / 2;

  const requestSuspension = async (actor: string, reason: string) => {
    if (suspensionRequested || !customer) return;
    suspensionRequested = true;
    await record('suspension_requested', { next: 'suspension_requested', actor, reason });
    await openTask(
      'noc_suspension',
      'noc',
      escalationReminderMs(),
      'Suspend the server or port that serves the reported material, then confirm.',
    );
  };

  const close = async (result: NoticeOutcome, actor: string, reason?: string, removedAtMs?: number) => {
    outcome = result;
    await record('closed', {
      next: 'closed',
      actor,
      reason,
      removedAt: removedAtMs,
      data: {
        outcome: result,
        ...(removedAtMs !== undefined
          ? { timeToRemovalSeconds: Math.round((removedAtMs - receivedMs) / 1000) }
          : {}),
      },
    });
    await activities.closeTasks({ noticeId: input.noticeId, reason: `notice closed: ${result}` });
    pending.clear();
    await activities.sendSourceFeedback({
      noticeId: input.noticeId,
      key: `${input.noticeId}:feedback:${reopened}`,
    });
    // Notices that started before the standing workflow existed close as they always did (saved histories replay).
    if (customer && patched('standing-feed')) {
      const newFalseClaims = falseClaims - falseClaimsFed;
      falseClaimsFed = falseClaims;
      await activities.feedStanding({
        customerId: customer.id,
        key: `${input.noticeId}:closed:${reopened}`,
        event: {
          type: 'notice_closed',
          noticeId: input.noticeId,
          category: input.category,
          outcome: result,
          deadlineMissed: escalatedAtMs !== null || result === 'removed_late' || result === 'suspended',
          falseClaims: newFalseClaims,
          ...(removedAtMs !== undefined
            ? { timeToRemovalSeconds: Math.round((removedAtMs - receivedMs) / 1000) }
            : {}),
          at: iso(now()),
        },
      });
    }
  };

  const removalConfirmed = async (actor: string, note?: string) => {
    const removedAt = claimedAtMs ?? now();
    const inTime = deadlineMs !== null && removedAt <= deadlineMs;
    await close(inTime ? 'removed_in_time' : 'removed_late', actor, note, removedAt);
  };

  const timersDue = (): Timer[] => {
    const list: Timer[] = [];
    if (isClosed() || !timers) return list;
    const t = timers;
    if (customer && deadlineMs !== null && !answered && nextReminder < t.reminders.length) {
      const n = nextReminder;
      list.push({
        at: receivedMs + durationToMs(t.reminders[n]),
        fire: async () => {
          nextReminder = n + 1;
          const at = receivedMs + durationToMs(t.reminders[n]);
          if (deadlineMs !== null && at >= deadlineMs) return; // a reminder after the deadline would say nothing new
          await activities.notifyCustomer({
            noticeId: input.noticeId,
            key: `${input.noticeId}:reminder:${reopened}:${n + 1}`,
            kind: 'reminder',
            deadline: iso(deadlineMs as number),
          });
          await record('customer_reminded', {
            next: state === 'customer_notified' ? 'reminded' : state,
            data: { reminder: n + 1 },
          });
        },
      });
    }
    // The last call is policy data (CategoryPolicy.lastCall, in policy version 2 for CSAM); acting on it is code that
    // came later. A notice whose pinned policy already named a last call when that code did not exist ran without
    // one, and must replay the same: hence `patched`, asked only where a last call would now be scheduled.
    if (
      t.lastCall !== undefined &&
      customer &&
      deadlineMs !== null &&
      notifiedAtMs !== null &&
      !answered &&
      escalatedAtMs === null &&
      lastCalled < reopened
    ) {
      const at = deadlineMs - durationToMs(t.lastCall);
      // Notified after that moment (attributed by hand late, or a last call longer than the deadline): nothing to add.
      if (notifiedAtMs < at && patched('last-call-reminder')) {
        const round = reopened;
        list.push({
          at,
          fire: async () => {
            lastCalled = round;
            await activities.notifyCustomer({
              noticeId: input.noticeId,
              key: `${input.noticeId}:last-call:${round}`,
              kind: 'last_call',
              deadline: iso(deadlineMs as number),
            });
            await record('customer_reminded', {
              next: state === 'customer_notified' ? 'reminded' : state,
              data: { lastCall: true },
            });
          },
        });
      }
    }
    if (deadlineMs !== null && escalatedAtMs === null && state !== 'awaiting_confirmation') {
      list.push({
        at: deadlineMs,
        fire: () => escalate(`no confirmed removal by ${iso(deadlineMs as number)}`),
      });
    }
    if (escalatedAtMs !== null && t.suspendAfter !== undefined && !suspensionRequested && customer) {
      const at = escalatedAtMs + durationToMs(t.suspendAfter);
      list.push({
        at,
        fire: () => requestSuspension('workflow', 'the policy asks for suspension after a missed deadline'),
      });
    }
    for (const task of pending.values()) {
      const due = Date.parse(task.dueAt);
      if (!task.reminded) {
        list.push({
          at: due,
          fire: async () => {
            task.reminded = true;
            await activities.remindTask({ taskId: task.taskId, key: `${task.taskId}:reminder` });
            await record('task_reminded', { data: { taskId: task.taskId, kind: task.kind } });
          },
        });
      }
      if (task.kind === 'account_manager_escalation' && !task.leadEscalated) {
        list.push({
          at: due - escalationReminderMs() + leadEscalationMs(),
          fire: async () => {
            task.leadEscalated = true;
            await openTask(
              'lead_escalation',
              'abuse_lead',
              escalationReminderMs(),
              'The account manager did not act on a missed deadline.',
            );
          },
        });
      }
    }
    return list;
  };

  const handle = async (m: Message) => {
    if (isClosed() && m.type !== 'reopen' && m.type !== 'note' && m.type !== 'duplicate') return;
    switch (m.type) {
      case 'note':
        return record('note', { actor: m.by, reason: m.note });
      case 'duplicate':
        return record('duplicate_report', { actor: m.by, data: { sourceReference: m.sourceReference } });
      case 'confirm':
        return removalConfirmed(m.by, m.note);
      case 'stillOnline':
        return stillOnline(m.by, m.reason);
      case 'customer':
        answered = true;
        if (m.kind === 'removed') {
          if (state === 'awaiting_confirmation') return;
          claimedAtMs = now();
          await record('removal_claimed', { next: 'awaiting_confirmation', actor: m.by });
          return openTask(
            'removal_check',
            'abuse_desk',
            escalationReminderMs(),
            'The customer says the material is gone: check with the source and confirm, or report it still online.',
          );
        }
        await record('disputed', { actor: m.by, reason: m.reason });
        if (!hasOpen('dispute_review'))
          await openTask(
            'dispute_review',
            'abuse_desk',
            escalationReminderMs(),
            `The customer disputes the notice: ${m.reason ?? ''}`,
          );
        return;
      case 'attribute':
        return attributeByHand(m.customerId, m.by);
      case 'invalid':
        return close('invalid', m.by, m.reason);
      case 'withdraw':
        return close('withdrawn_by_source', m.by, m.reason);
      case 'escalateNow':
        return escalate(m.reason ?? 'escalated by the abuse desk', m.by);
      case 'reopen':
        return reopen(m.by, m.reason);
      case 'task':
        return taskCompleted(m);
    }
  };

  const stillOnline = async (actor: string, reason?: string) => {
    if (state !== 'awaiting_confirmation') return;
    falseClaims++;
    claimedAtMs = null;
    await record('still_online', {
      next: escalatedAtMs !== null ? 'escalated' : 'customer_notified',
      actor,
      reason,
      data: { falseClaims },
    });
  };

  const attributeByHand = async (customerId: string, actor: string) => {
    if (state !== 'unattributed') return;
    await pinPolicy(customerId);
    await record('attributed', { next: 'attributed', actor, data: { customerId, by: 'hand' } });
    for (const task of pending.values()) if (task.kind === 'attribute') pending.delete(task.taskId);
    if (patched('attributed-by-hand')) {
      // Attributed by signal or API rather than through its task: that task is done, its row must say so.
      await activities.closeTasks({ noticeId: input.noticeId, reason: 'attributed' });
      // Reminders due while nobody held the address would reach the customer seconds after the notice itself.
      const waited = now() - receivedMs;
      const reminders = (timers as CategoryPolicy).reminders;
      while (nextReminder < reminders.length && durationToMs(reminders[nextReminder]) <= waited)
        nextReminder++;
    }
    await notifyCustomer();
  };

  const taskCompleted = async (m: Extract<Message, { type: 'task' }>) => {
    // A completion for a task this notice no longer waits for (cancelled, or its row's commit failed) changes nothing.
    if (!pending.delete(m.taskId)) return;
    await record('task_completed', {
      actor: m.by,
      reason: m.note,
      data: { taskId: m.taskId, kind: m.kind, outcome: m.outcome },
    });
    switch (`${m.kind}:${m.outcome}`) {
      case 'attribute:attributed':
        return m.customerId ? attributeByHand(m.customerId, m.by) : undefined;
      case 'attribute:invalid':
        return close('invalid', m.by, m.note);
      case 'removal_check:confirmed':
        return removalConfirmed(m.by, m.note);
      case 'removal_check:still_online':
        return stillOnline(m.by, m.note);
      case 'dispute_review:accept':
        return close('disputed_accepted', m.by, m.note);
      case 'dispute_review:reject':
        return record('dispute_rejected', { actor: m.by, reason: m.note });
      case 'account_manager_escalation:request_suspension':
      case 'lead_escalation:request_suspension':
        return requestSuspension(m.by, m.note ?? 'requested on escalation');
      case 'noc_suspension:suspended':
        return close('suspended', m.by, m.note, now());
    }
  };

  const reopen = async (actor: string, reason?: string) => {
    if (!isClosed() || !customer) return;
    reopened++;
    outcome = null;
    answered = false;
    claimedAtMs = null;
    escalatedAtMs = null;
    suspensionRequested = false;
    nextReminder = timers?.reminders.length ?? 0; // the reopened notice gets its deadline, not the old reminders
    await record('reopened', { actor, reason, data: { reopened } });
    if (patched('standing-feed')) {
      await activities.feedStanding({
        customerId: customer.id,
        key: `${input.noticeId}:reopened:${reopened}`,
        event: { type: 'content_back', noticeId: input.noticeId, category: input.category, at: iso(now()) },
      });
    }
    deadlineMs = now() + deadlineDurationMs();
    notifiedAtMs = now();
    await activities.notifyCustomer({
      noticeId: input.noticeId,
      key: `${input.noticeId}:notify:${reopened}`,
      kind: 'notice',
      deadline: iso(deadlineMs),
    });
    await record('customer_notified', {
      next: 'customer_notified',
      data: { customerId: customer.id, deadline: iso(deadlineMs), reopened },
    });
  };

  // --- the life of the notice ---
  // Since December 2026 a new notice's first steps take two activities instead of five (each its own workflow
  // task, and a transaction that takes the audit chain's lock): `received`, attribution and its event in one,
  // the customer's email and `customer_notified` in the other. Histories from before replay the five.
  const inFewerSteps = patched('intake-in-fewer-steps');
  let first: AttributionResult;
  if (inFewerSteps) {
    state = 'received';
    const receivedKey = `${input.noticeId}:${++seq}:received`;
    const attributionKeyPrefix = `${input.noticeId}:${++seq}:`;
    first = await activities.receiveNotice({
      noticeId: input.noticeId,
      category: input.category,
      receivedAt: input.receivedAt,
      at: iso(now()),
      receivedKey,
      attributionKeyPrefix,
    });
    customer = first.customer;
    timers = first.policy.timers;
    state = first.customer ? 'attributed' : 'unattributed';
  } else {
    await record('received', { next: 'received', data: { category: input.category } });
    first = await pinPolicy();
  }
  if (first.customer) {
    if (!inFewerSteps) {
      await record('attributed', {
        next: 'attributed',
        data: { customerId: first.customer.id, policy: `${first.policy.id}@${first.policy.version}` },
      });
    }
    await notifyCustomer(inFewerSteps);
  } else {
    if (!inFewerSteps) {
      await record('unattributed', {
        next: 'unattributed',
        data: { policy: `${first.policy.id}@${first.policy.version}` },
      });
    }
    deadlineMs = receivedMs + deadlineDurationMs();
    await openTask(
      'attribute',
      'abuse_desk',
      escalationReminderMs(),
      'Nobody holds this address in the inventory: attribute it to a customer, or reject the notice.',
    );
  }

  for (;;) {
    if (isClosed()) {
      // Open for a reopen (the same content back) for as long as the deadline period, then done.
      const reopenedInTime = await condition(() => inbox.length > 0, deadlineDurationMs());
      if (!reopenedInTime) break;
      await handle(inbox.shift() as Message);
      continue;
    }
    const due = timersDue().sort((a, b) => a.at - b.at)[0];
    const hasMessage = () => inbox.length > 0;
    const gotMessage = due
      ? await condition(hasMessage, Math.max(0, due.at - now()))
      : (await condition(hasMessage), true);
    if (gotMessage) await handle(inbox.shift() as Message);
    else if (due) await due.fire();
  }
  return outcome as unknown as NoticeOutcome;
}
