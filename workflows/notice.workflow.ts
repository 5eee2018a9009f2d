import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  durationToMs,
  type Category,
  type CategoryPolicy,
  type NoticeOutcome,
  type NoticeState,
} from '@takedown/domain';
import type { NoticeActivities } from './activities';
import { confirmRemovalSignal, statusQuery, type RemovalConfirmation } from './messages';

/** Version 1 of the notice workflow's input; the policy snapshot pins the timers the notice started with. */
export interface NoticeWorkflowInput {
  version: 1;
  noticeId: string;
  category: Category;
  receivedAt: string;
  policy: { id: string; version: number; timers: CategoryPolicy };
}

const { recordEvent, sendNoticeEmail } = proxyActivities<NoticeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** One notice from receipt to its outcome. Deadlines count from receipt, as the codes of conduct do. */
export async function noticeWorkflow(input: NoticeWorkflowInput): Promise<NoticeOutcome> {
  const receivedMs = Date.parse(input.receivedAt);
  const deadlineMs = receivedMs + durationToMs(input.policy.timers.deadline);
  let state: NoticeState = 'received';
  let outcome: NoticeOutcome | null = null;
  let removal: RemovalConfirmation | null = null;

  setHandler(statusQuery, () => ({ state, deadline: new Date(deadlineMs).toISOString(), outcome }));
  setHandler(confirmRemovalSignal, (confirmation) => {
    removal ??= confirmation;
  });

  // Inside the workflow sandbox `Date` is the workflow clock, replayed deterministically, not the host's.
  const now = () => new Date().getTime();
  const step = async (
    type: string,
    next: NoticeState,
    extra: { reason?: string; actor?: string; data?: Record<string, unknown> } = {},
  ) => {
    state = next;
    await recordEvent({
      noticeId: input.noticeId,
      key: `${input.noticeId}:${type}`,
      type,
      actor: extra.actor ?? 'workflow',
      reason: extra.reason,
      data: extra.data,
      at: new Date(now()).toISOString(),
      state: next,
      outcome: outcome ?? undefined,
    });
  };

  await step('received', 'received', {
    data: {
      policy: `${input.policy.id}@${input.policy.version}`,
      deadline: new Date(deadlineMs).toISOString(),
    },
  });

  const inTime = await condition(() => removal !== null, Math.max(0, deadlineMs - now()));
  if (!inTime) {
    await step('deadline_missed', 'escalated', {
      reason: `no removal by ${new Date(deadlineMs).toISOString()}`,
    });
    await sendNoticeEmail({
      noticeId: input.noticeId,
      key: `${input.noticeId}:deadline_missed`,
      template: 'deadline_missed',
    });
    await condition(() => removal !== null);
  }
  const confirmed = removal as unknown as RemovalConfirmation;
  outcome = inTime ? 'removed_in_time' : 'removed_late';
  await step('removal_confirmed', 'closed', {
    actor: confirmed.by,
    reason: confirmed.note,
    data: { outcome },
  });
  return outcome;
}
