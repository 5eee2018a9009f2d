import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import { DomainError } from '@takedown/domain';
import { terminationWorkflowId } from '@takedown/workflows/termination-messages';
import { why } from './notice-signal';

/** Signals a termination case's workflow (409 when the case has ended, 503 when Temporal is unreachable). */
export async function signalCase<T>(
  temporal: Client,
  caseId: string,
  signal: SignalDefinition<[T]>,
  arg: T,
): Promise<void> {
  try {
    await temporal.connection.withDeadline(Date.now() + 5000, () =>
      temporal.workflow.getHandle(terminationWorkflowId(caseId)).signal(signal, arg),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new DomainError(
        'CASE.ALREADY_CLOSED',
        'the termination case has ended and can no longer be changed',
      );
    }
    throw new DomainError(
      'TEMPORAL.UNAVAILABLE',
      `the workflow engine is unavailable, try again: ${why(err)}`,
    );
  }
}
