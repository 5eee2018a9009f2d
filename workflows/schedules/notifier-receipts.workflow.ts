import { proxyActivities } from '@temporalio/workflow';
import type { ScheduleActivities } from './activities';

/** Reports a run takes at once, and the most it takes in one run: a flood waits for the next run, in order. */
export const RECEIPTS_PER_ACTIVITY = 100;
const MAX_PER_RUN = 20;

const { sendNotifierReceipts } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '5 minutes',
  // The mail server may be down for a while: retried with backoff; the next run takes over after the last attempt.
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
  },
});

/**
 * One run of the notifier-receipts schedule (apps/worker/src/schedules.ts): confirms receipt of every report taken in
 * since the last run, whatever channel took it in, a batch at a time until none is left.
 */
export async function notifierReceiptsWorkflow(): Promise<{ sent: number; anonymous: number }> {
  const total = { sent: 0, anonymous: 0 };
  for (let i = 0; i < MAX_PER_RUN; i++) {
    const batch = await sendNotifierReceipts({ limit: RECEIPTS_PER_ACTIVITY });
    total.sent += batch.sent;
    total.anonymous += batch.anonymous;
    if (batch.sent + batch.anonymous < RECEIPTS_PER_ACTIVITY) break;
  }
  return total;
}
