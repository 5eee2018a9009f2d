import { ApplicationFailure } from '@temporalio/activity';
import type { CategoryPolicy, TaskKind } from '@takedown/domain';
import type {
  AttributedTo,
  NoticeActivities,
  ProbeResult,
  ResellerInvolved,
  TimelineEvent,
} from '@takedown/workflows/activities';

export interface Call {
  name: keyof NoticeActivities;
  arg: Record<string, unknown>;
}

/**
 * In-memory activities for time-skipping tests of the workflow's branches: they record what the workflow asked
 * for. The real activities are tested on PostgreSQL and SMTP in test/integration and end to end in test/e2e.
 */
export function recordingActivities(opts: {
  customer: AttributedTo | null;
  timers: CategoryPolicy;
  /** The source's server answers non-2xx to every feedback delivery. */
  feedbackFails?: boolean;
  /** What the removal probe finds, round by round (1-based); absent: nothing is probed on this worker. */
  probe?: (round: number) => ProbeResult['result'];
  /** The reseller the attribution names beside the customer. */
  reseller?: ResellerInvolved;
  /** The first so many tries of these activities fail with an error another try can mend (an outage). */
  failFirst?: Partial<Record<'receiveNotice' | 'notifyCustomer', number>>;
  /** The customer's email fails with an error no try can mend (the customer has no contacts). */
  noContacts?: boolean;
}) {
  const calls: Call[] = [];
  let tasks = 0;
  const failed = { receiveNotice: 0, notifyCustomer: 0 };
  const outage = (name: keyof typeof failed) => {
    if (failed[name] >= (opts.failFirst?.[name] ?? 0)) return;
    failed[name]++;
    throw new Error(`${name}: the database or the mail relay is away (try ${failed[name]})`);
  };
  const push = (name: keyof NoticeActivities, arg: object) =>
    void calls.push({ name, arg: arg as Record<string, unknown> });
  const activities: NoticeActivities = {
    async recordEvent(event) {
      push('recordEvent', event);
    },
    async attributeNotice(input) {
      push('attributeNotice', input);
      const customer = input.customerId
        ? { id: input.customerId, reference: 'C-BY-HAND', name: 'By hand' }
        : opts.customer;
      return {
        customer,
        policy: { id: 'test', version: 1, timers: opts.timers },
        ...(customer && opts.reseller ? { reseller: opts.reseller } : {}),
      };
    },
    async receiveNotice(input) {
      outage('receiveNotice');
      // Recorded as the three calls it stands for, so that status() and events() read the same.
      const { at, receivedKey, attributionKeyPrefix, ...attribution } = input;
      push('recordEvent', {
        noticeId: input.noticeId,
        key: receivedKey,
        type: 'received',
        actor: 'workflow',
        data: { category: input.category },
        at,
        state: 'received',
      });
      const result = await activities.attributeNotice(attribution);
      const type = result.customer ? 'attributed' : 'unattributed';
      push('recordEvent', {
        noticeId: input.noticeId,
        key: `${attributionKeyPrefix}${type}`,
        type,
        actor: 'workflow',
        at,
        state: type,
      });
      return result;
    },
    async notifyCustomer(email) {
      outage('notifyCustomer');
      if (opts.noContacts) {
        failed.notifyCustomer++;
        throw ApplicationFailure.nonRetryable('the customer has no contacts', 'CUSTOMER.NO_CONTACTS');
      }
      const { then, ...sent } = email;
      push('notifyCustomer', sent);
      if (then) push('recordEvent', then);
    },
    async openTask(task) {
      push('openTask', task);
      return { taskId: `task-${++tasks}` };
    },
    async remindTask(input) {
      push('remindTask', input);
    },
    async closeTasks(input) {
      push('closeTasks', input);
    },
    async sendSuspensionStatement(input) {
      push('sendSuspensionStatement', input);
    },
    async sendSourceFeedback(input) {
      push('sendSourceFeedback', input);
      if (opts.feedbackFails) throw new Error('the source webhook answered 503');
    },
    async feedStanding(input) {
      push('feedStanding', input);
    },
    async probeRemoval(input) {
      push('probeRemoval', input);
      const result = opts.probe?.(calls.filter((c) => c.name === 'probeRemoval').length) ?? 'not_probed';
      const status = { gone: 404, present: 200, unknown: null, not_probed: null }[result];
      const at = new Date().toISOString();
      return result === 'not_probed'
        ? { result, answers: [], reason: 'probing is off on this worker (REMOVAL_PROBE=off)' }
        : { result, answers: [{ url: 1, status, at, ...(status ? {} : { error: 'timeout' }) }] };
    },
  };
  /** The notice's status as the workflow reported it through its activities, without asking the server. */
  const status = () => {
    const events = calls
      .filter((c) => c.name === 'recordEvent')
      .map((c) => c.arg as unknown as TimelineEvent);
    const withState = events.filter((e) => e.state);
    const last = withState[withState.length - 1];
    const opened = calls
      .filter((c) => c.name === 'openTask')
      .map((c, i) => ({ taskId: `task-${i + 1}`, kind: c.arg.kind as TaskKind, at: calls.indexOf(c) }));
    const done = new Set(
      events.filter((e) => e.type === 'task_completed').map((e) => e.data?.taskId as string),
    );
    const lastClose = calls.map((c) => c.name).lastIndexOf('closeTasks');
    return {
      state: last?.state ?? null,
      outcome: last?.state === 'closed' ? (last.outcome ?? null) : null,
      deadline: [...events].reverse().find((e) => e.deadline)?.deadline ?? null,
      falseClaims: events.filter((e) => e.type === 'still_online').length,
      pendingTasks: opened
        .filter((t) => !done.has(t.taskId) && t.at > lastClose)
        .map(({ taskId, kind }) => ({ taskId, kind })),
    };
  };
  return {
    activities,
    calls,
    status,
    /** How many tries of each failed (`failFirst`). */
    failed,
    events: () =>
      calls.filter((c) => c.name === 'recordEvent').map((c) => (c.arg as unknown as TimelineEvent).type),
    of: (name: keyof NoticeActivities) => calls.filter((c) => c.name === name).map((c) => c.arg),
    tasks: () =>
      calls
        .filter((c) => c.name === 'openTask')
        .map((c, i) => ({ taskId: `task-${i + 1}`, kind: c.arg.kind as string })),
  };
}
