import { proxyActivities } from '@temporalio/workflow';
import type { ScheduleActivities } from './activities';

/** Reports or orders an activity takes at once, and the most batches of each in one run. */
export const PER_ACTIVITY = 100;
const MAX_PER_RUN = 20;

const { sendNotifierReceipts, informContentProviders } = proxyActivities<ScheduleActivities>({
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
 * One run of the legal-messages schedule (apps/worker/src/schedules.ts): the messages the law asks for that wait for
 * nothing but time. Confirms receipt of every report taken in since the last run, whatever channel took it in (DSA
 * Art. 16(4)), and informs the content providers whose content was removed under a removal order (TCO Art. 11); a
 * batch at a time until none is left, or a flood waits for the next run, in order.
 */
export async function legalMessagesWorkflow(): Promise<{
  receipts: { sent: number; anonymous: number };
  orderInformation: { sent: number; withheld: number };
}> {
  const receipts = { sent: 0, anonymous: 0 };
  for (let i = 0; i < MAX_PER_RUN; i++) {
    const batch = await sendNotifierReceipts({ limit: PER_ACTIVITY });
    receipts.sent += batch.sent;
    receipts.anonymous += batch.anonymous;
    if (batch.sent + batch.anonymous < PER_ACTIVITY) break;
  }
  const orderInformation = { sent: 0, withheld: 0 };
  for (let i = 0; i < MAX_PER_RUN; i++) {
    const batch = await informContentProviders({ limit: PER_ACTIVITY });
    orderInformation.sent += batch.sent;
    orderInformation.withheld += batch.withheld;
    if (batch.sent + batch.withheld < PER_ACTIVITY) break;
  }
  return { receipts, orderInformation };
}
