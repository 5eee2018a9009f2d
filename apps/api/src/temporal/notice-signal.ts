import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import { DomainError } from '@takedown/domain';
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
      `the workflow engine is unavailable, try again: ${(err as Error).message}`,
    );
  }
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
