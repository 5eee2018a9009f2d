import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ScheduledRetentionResult, ScheduleActivities } from './activities';

const { runRetention } = proxyActivities<ScheduleActivities>({
  // A large backlog is worked through in batches, each its own transaction: a retry continues where it stopped.
  startToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 minute', maximumAttempts: 5 },
});

/** One run of the retention schedule (apps/worker/src/schedules.ts). */
export async function retentionWorkflow(): Promise<ScheduledRetentionResult> {
  return runRetention({ workflowId: workflowInfo().workflowId });
}
