import {
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

/** Version 1 of the paging workflow's input: the order, and how long a page waits for its acknowledgement. */
export interface OrderPagingInput {
  version: 1;
  orderId: string;
  /** Milliseconds (PAGING_REPEAT_EVERY). */
  repeatEveryMs: number;
  /** Pages sent before a continue-as-new, so that the count goes on. */
  sent?: number;
}

/** The activities of the paging workflow. Implemented by the worker (apps/worker), typed here only. */
export interface OrderPagingActivities {
  /** False once the page is acknowledged, the NOC task is done or the order's notice closed. */
  orderNeedsPaging(input: { orderId: string }): Promise<boolean>;
  /** Pages the on-call person through PAGING_WEBHOOK_URL; throws (retryable) on anything but a 2xx. */
  pageOnCall(input: { orderId: string; attempt: number }): Promise<void>;
}

/** Someone on call took the page: the API stores it and tells the workflow, which stops repeating at once. */
export const pageAckSignal = defineSignal<[{ by: string }]>('pageAck');

export const orderPagingWorkflowId = (orderId: string): string => `order-paging:${orderId}`;

const { orderNeedsPaging, pageOnCall } = proxyActivities<OrderPagingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/**
 * Pages the on-call person for a removal order, on its own beside the notice (which mails the 24/7 contacts and opens
 * the NOC task at receipt), and again every `repeatEveryMs` until someone acknowledges, the NOC task is done or the
 * notice closes. A paging service that is down is retried by Temporal; the order's clock never waits for it.
 */
export async function orderPagingWorkflow(input: OrderPagingInput): Promise<'acknowledged' | 'settled'> {
  let acked = false;
  setHandler(pageAckSignal, () => {
    acked = true;
  });
  for (let attempt = (input.sent ?? 0) + 1; ; attempt++) {
    if (acked) return 'acknowledged';
    if (!(await orderNeedsPaging({ orderId: input.orderId }))) return 'settled';
    await pageOnCall({ orderId: input.orderId, attempt });
    if (await condition(() => acked, input.repeatEveryMs)) return 'acknowledged';
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof orderPagingWorkflow>({ ...input, sent: attempt });
    }
  }
}
