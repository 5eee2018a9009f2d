import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { NoticeActivities } from './activities';

/** Version 1 of the source-feedback workflow's input: the closed notice and the delivery's key. */
export interface SourceFeedbackInput {
  version: 1;
  noticeId: string;
  /** `<noticeId>:feedback:<round>`: the same on every attempt, so that each email and webhook goes out once. */
  key: string;
}

// A source's server may be down for hours: retried with backoff for about a day, then recorded as failed.
const { sendSourceFeedback } = proxyActivities<NoticeActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '1 hour',
    backoffCoefficient: 2,
    maximumAttempts: 30,
  },
});
const { recordEvent } = proxyActivities<NoticeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/**
 * Tells the sources of a closed notice what became of it (email and signed webhook), on its own: the notice closes
 * and feeds the customer's standing without waiting for a source's server. While it runs the delivery is pending
 * (Temporal shows its attempts); a delivery that never succeeds ends as a `feedback_failed` step on the timeline.
 */
export async function sourceFeedbackWorkflow(input: SourceFeedbackInput): Promise<'delivered' | 'failed'> {
  try {
    await sendSourceFeedback({ noticeId: input.noticeId, key: input.key });
    return 'delivered';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await recordEvent({
      noticeId: input.noticeId,
      key: `${input.key}:failed`,
      type: 'feedback_failed',
      actor: 'workflow',
      reason: 'the source could not be told of the outcome: every delivery attempt failed',
      at: new Date().toISOString(),
    });
    return 'failed';
  }
}
