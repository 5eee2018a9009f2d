import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import { DomainError } from '@takedown/domain';
import {
  addNoteSignal,
  attributeSignal,
  confirmRemovalSignal,
  customerResponseSignal,
  duplicateReportSignal,
  escalateNowSignal,
  noticeActionUpdate,
  rejectInvalidSignal,
  reopenSignal,
  stillOnlineSignal,
  taskCompletedSignal,
  withdrawSignal,
  type NoticeMessage,
  type NoticeStatus,
} from '@takedown/workflows/messages';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';

const TEMPORAL_DEADLINE_MS = 5000;

/**
 * Runs a Temporal call within a deadline: with Temporal unreachable the request fails within seconds with 503
 * (the caller retries) instead of being held. Callers do this inside their database transaction, so that the
 * failure rolls back what the request changed.
 */
export async function withTemporal<T>(
  temporal: Client,
  call: () => Promise<T>,
  deadlineMs = TEMPORAL_DEADLINE_MS,
): Promise<T> {
  try {
    return await temporal.connection.withDeadline(Date.now() + deadlineMs, call);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new DomainError('NOTICE.ALREADY_CLOSED', 'the notice is closed and can no longer be changed');
    }
    throw new DomainError(
      'TEMPORAL.UNAVAILABLE',
      `the workflow engine is unavailable, try again: ${why(err)}`,
    );
  }
}

/**
 * What a failed Temporal call says, with the causes it wraps: the SDK's own message ("Failed to signal Workflow")
 * names the call, its cause the gRPC status (`4 DEADLINE_EXCEEDED: …`, `14 UNAVAILABLE: …`), which the SDK's words
 * alone left out. The SDK's and gRPC's words only, never a payload: no notice content is in them.
 */
export function why(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ') || String(err);
}

/** Signals a notice's workflow (409 when it has finished, 503 when Temporal is unreachable). */
export function signalNotice<T>(
  temporal: Client,
  noticeId: string,
  signal: SignalDefinition<[T]>,
  arg: T,
): Promise<void> {
  return withTemporal(temporal, () =>
    temporal.workflow.getHandle(noticeWorkflowId(noticeId)).signal(signal, arg),
  );
}

/**
 * Asks a notice's workflow to carry out an action, as an update: resolves once its validator accepted it (the caller
 * may still be inside a transaction: the workflow's own steps then wait for it, they never deadlock), with a function
 * that waits for the new status. A refusal is a DomainError carrying the notice's state (409). A workflow that runs
 * code from before updates existed takes the action as the signal it always did.
 *
 * With an `updateId` (from the caller's Idempotency-Key, `actionUpdateId`) a repeat is the same update: Temporal
 * answers it with the first one's outcome, or joins it while the first is still waiting for a worker, and the action
 * is carried out once. So a client that gave up waiting (its own timeout, or a 503 past ACCEPTANCE_MS while the
 * engine kept the action) can send it again without a second note or a 409 for an action that did take effect.
 */
export async function startNoticeAction(
  temporal: Client,
  noticeId: string,
  message: NoticeMessage,
  updateId?: string,
): Promise<{ result: () => Promise<NoticeStatus | null> }> {
  const handle = temporal.workflow.getHandle(noticeWorkflowId(noticeId));
  try {
    // Two waits, not one: whether the engine answers at all (an outage is a 503 within TEMPORAL_DEADLINE_MS, as
    // for every other call), then whether the notice's workflow takes the action, which waits for a worker to run
    // its validator. On a loaded machine that second wait passed 5 s: the 503 said the engine was down while it was
    // not, and the engine, which keeps an update it was given, could still carry the action out after it.
    await withTemporal(temporal, () => temporal.workflowService.getSystemInfo({}));
    const update = await withTemporal(
      temporal,
      () =>
        handle.startUpdate(noticeActionUpdate, {
          args: [message],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
          ...(updateId && { updateId }),
        }),
      ACCEPTANCE_MS,
    );
    // The handle holds a refusal's outcome already (the validator ran before the server answered), and its result
    // throws it without asking the server; an accepted update would be polled for, which no deadline allows here.
    const refused = await temporal.connection
      .withDeadline(Date.now(), () => update.result())
      .then(
        () => null,
        (err: unknown) => err,
      );
    if (refused instanceof WorkflowUpdateFailedError) throw refused;
    return {
      // Carrying it out takes a few activities; a slow engine answers with the notice as it then stands.
      result: () =>
        temporal.connection
          .withDeadline(Date.now() + UPDATE_RESULT_MS, () => update.result())
          .catch(() => null),
    };
  } catch (err) {
    // Its workflow has finished: the notice is closed for good, its reopen window passed.
    if (err instanceof DomainError && err.code === 'NOTICE.ALREADY_CLOSED') {
      throw message.type === 'reopen'
        ? new DomainError(
            'NOTICE.REOPEN_WINDOW_PASSED',
            'the reopen window has passed',
            undefined,
            undefined,
            'closed',
          )
        : new DomainError(err.code, err.message, undefined, undefined, 'closed');
    }
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof Error && /No registered handler for update/.test(cause.message)) {
      const { type, ...payload } = message;
      await withTemporal(temporal, () => handle.signal(SIGNAL_FOR[type].name, payload));
      return { result: async () => null };
    }
    if (cause instanceof ApplicationFailure && cause.details?.length) {
      const state = (cause.details[0] as NoticeStatus).state;
      throw new DomainError(cause.type ?? 'NOTICE.CONFLICT', cause.message, undefined, undefined, state);
    }
    throw err;
  }
}

const UPDATE_RESULT_MS = 15_000;

/**
 * How long an action waits for its workflow to take it or refuse it, the engine being reachable: a worker busy with
 * other notices' workflow tasks, or restarting, answers well within this. Past it the answer is a 503 as for an
 * outage (the engine may still hand the action to the workflow later, which then records it on the timeline).
 */
const ACCEPTANCE_MS = 30_000;

/** The signal that carried each action before updates (a worker still on that code understands only these). */
const SIGNAL_FOR: Record<NoticeMessage['type'], { name: string }> = {
  confirm: confirmRemovalSignal,
  stillOnline: stillOnlineSignal,
  customer: customerResponseSignal,
  task: taskCompletedSignal,
  attribute: attributeSignal,
  reopen: reopenSignal,
  invalid: rejectInvalidSignal,
  escalateNow: escalateNowSignal,
  withdraw: withdrawSignal,
  note: addNoteSignal,
  duplicate: duplicateReportSignal,
};
