import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { urlsFor } from '@takedown/domain';
import {
  CustomerEntity,
  NoticeEntity,
  customerWebhookSecret,
  enqueueCustomerWebhook,
  failCustomerWebhookDelivery,
  findCustomerWebhookDelivery,
  recordCustomerWebhookAttempt,
  type CustomerWebhookEvent,
} from '@takedown/persistence';
import type { CustomerWebhookActivities } from '@takedown/workflows/customer-webhook-activities';
import {
  customerWebhookWorkflow,
  customerWebhookWorkflowId,
} from '@takedown/workflows/customer-webhook.workflow';
import { signWebhook, WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER } from './source-webhooks';
import { postWebhook, WebhookTargetRefused, type PrivateTargets } from './webhook-post';

/** Where a customer's webhook may point (WEBHOOK_PRIVATE_TARGETS), as a class so Nest can inject it. */
export class CustomerWebhookSettings {
  constructor(readonly privateTargets: PrivateTargets) {}
}

/**
 * Webhooks to customers (new notice, reminder, deadline passed), signed as the source feedback is
 * (`X-Takedown-Signature: t=…,v1=HMAC-SHA256(secret, "<t>.<body>")`). The notify activity enqueues: a delivery row
 * per event id, and a workflow of its own per event (its id rejects a second start), so the notice never waits for
 * the customer's server and an event goes out once; the receiver drops repeats by X-Takedown-Delivery.
 */
@Injectable()
export class CustomerWebhooks implements CustomerWebhookActivities {
  private readonly logger = new Logger(CustomerWebhooks.name);

  constructor(
    private readonly db: DataSource,
    private readonly settings: CustomerWebhookSettings,
  ) {}

  /** In an activity: starts the delivery when the notice's customer has a webhook; nothing otherwise. */
  async enqueue(noticeId: string, type: CustomerWebhookEvent, eventId: string): Promise<void> {
    if (!(await enqueueCustomerWebhook(this.db, { eventId, noticeId, type }))) return;
    const { client, info } = Context.current();
    try {
      await client.workflow.start(customerWebhookWorkflow, {
        workflowId: customerWebhookWorkflowId(eventId),
        taskQueue: info.taskQueue,
        args: [{ version: 1, eventId }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      // A retried activity: the delivery is on its way (or done) already.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async deliverCustomerWebhook({ eventId }: { eventId: string }): Promise<void> {
    const delivery = await findCustomerWebhookDelivery(this.db, eventId);
    if (!delivery || delivery.status !== 'pending') return;
    const hook = await customerWebhookSecret(this.db, delivery.customerId);
    if (!hook) {
      throw ApplicationFailure.nonRetryable('the customer removed its webhook', 'WEBHOOK.REMOVED');
    }
    const [notice, customer] = await Promise.all([
      this.db.getRepository(NoticeEntity).findOneBy({ id: delivery.noticeId }),
      this.db.getRepository(CustomerEntity).findOneBy({ id: delivery.customerId }),
    ]);
    if (!notice || !customer) {
      throw ApplicationFailure.nonRetryable('the notice or customer is gone', 'WEBHOOK.GONE');
    }
    const body = JSON.stringify({
      id: eventId,
      type: delivery.type,
      occurred_at: delivery.createdAt.toISOString(),
      customer: { id: customer.id, reference: customer.reference },
      notice: {
        id: notice.id,
        category: notice.category,
        // The customer's own content: it must find it to remove it (the same rule as its email).
        urls: urlsFor('customer', notice.category, notice.urls),
        ip: notice.ip,
        state: notice.state,
        received_at: notice.receivedAt.toISOString(),
        deadline: notice.deadline?.toISOString() ?? null,
      },
    });
    let status: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      status = await postWebhook(
        hook.url,
        {
          'content-type': 'application/json',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(hook.secret, body, new Date()),
          [WEBHOOK_DELIVERY_HEADER]: eventId,
        },
        body,
        { privateTargets: this.settings.privateTargets, timeoutMs: 10_000 },
      );
    } catch (err) {
      refused = err instanceof WebhookTargetRefused;
      const code = (err as NodeJS.ErrnoException).code;
      error = `${(err as Error).message}${code ? ` (${code})` : ''}`.slice(0, 500);
    }
    const delivered = status !== null && status >= 200 && status <= 299;
    await recordCustomerWebhookAttempt(this.db, eventId, {
      delivered,
      status,
      error: delivered ? null : (error ?? `answered ${status}`),
    });
    // The log names the notice and the customer, never the endpoint (the customer's own) or the body (its URLs).
    // Trying again would reach the same address: the delivery fails at once, with the reason on its row.
    if (refused)
      throw ApplicationFailure.nonRetryable(
        `customer webhook of ${customer.reference}: ${error}`,
        'WEBHOOK.REFUSED',
      );
    if (!delivered) {
      throw ApplicationFailure.retryable(
        `customer webhook of ${customer.reference} ${error ? 'failed' : `answered ${status}`}`,
      );
    }
    this.logger.log(
      { noticeId: notice.id, customer: customer.reference, type: delivery.type },
      'customer webhook delivered',
    );
  }

  async failCustomerWebhook({ eventId }: { eventId: string }): Promise<void> {
    await failCustomerWebhookDelivery(this.db, eventId);
  }
}
