import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { CustomerWebhookActivities } from './customer-webhook-activities';

/** Version 1 of the customer-webhook workflow's input: the event whose delivery row the worker wrote. */
export interface CustomerWebhookInput {
  version: 1;
  eventId: string;
}

/** The workflow id: one delivery per event, whoever asks again. */
export function customerWebhookWorkflowId(eventId: string): string {
  return `customer-webhook:${eventId}`;
}

// A customer's ticket system may be down for hours: retried with backoff for about a day, then given up on.
const { deliverCustomerWebhook } = proxyActivities<CustomerWebhookActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 hour',
    backoffCoefficient: 2,
    maximumAttempts: 35,
  },
});
const { failCustomerWebhook } = proxyActivities<CustomerWebhookActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/**
 * Tells a customer's webhook of one notice event, on its own: the notice never waits for the customer's server.
 * Temporal's retry is the backoff; the delivery row shows each attempt, and `failed` once every attempt failed.
 */
export async function customerWebhookWorkflow(input: CustomerWebhookInput): Promise<'delivered' | 'failed'> {
  try {
    await deliverCustomerWebhook({ eventId: input.eventId });
    return 'delivered';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await failCustomerWebhook({ eventId: input.eventId });
    return 'failed';
  }
}
