import { proxyActivities } from '@temporalio/workflow';
import type { ScheduledAuditHead, ScheduleActivities } from './activities';

const { exportAuditHead } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '1 minute',
  // The next run of the schedule tries again: a few attempts, then this run gives up.
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/**
 * One run of the audit-head schedule (apps/worker/src/schedules.ts): the chain's head signed and taken out of
 * PostgreSQL at a fixed interval, so that a tail cut later no longer matches what was exported.
 */
export async function auditHeadWorkflow(): Promise<ScheduledAuditHead | null> {
  return exportAuditHead();
}
