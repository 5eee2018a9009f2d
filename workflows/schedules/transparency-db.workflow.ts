import { proxyActivities } from '@temporalio/workflow';
import type { ScheduleActivities } from './activities';

const { submitStatements } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '5 minutes',
  // The database may be down for a while: retried with backoff; a refusal is not retried.
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['TRANSPARENCY_DB.REFUSED'],
  },
});

/** One run of the Transparency Database schedule (apps/worker/src/schedules.ts). */
export async function transparencyDbWorkflow(): Promise<{ submitted: number; batches: number }> {
  return submitStatements();
}
