/** The activities of the customer-webhook workflow. Implemented by the worker (apps/worker), typed here only. */
export interface CustomerWebhookActivities {
  /**
   * Posts the event to the customer's webhook, signed; records every attempt on the delivery. Throws (retryable)
   * on anything but a 2xx; does nothing for a delivery that is done already.
   */
  deliverCustomerWebhook(input: { eventId: string }): Promise<void>;
  /** Every attempt failed: marks the delivery failed, for the customer to see. */
  failCustomerWebhook(input: { eventId: string }): Promise<void>;
}
