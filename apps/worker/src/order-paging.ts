import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import type { Env } from '@takedown/config';
import {
  findRemovalOrder,
  recordRemovalOrderPage,
  removalOrderNeedsPaging,
  type RemovalOrderRow,
} from '@takedown/persistence';
import type { OrderPagingActivities } from '@takedown/workflows/order-paging.workflow';

export type PagingFormat = Env['PAGING_FORMAT'];

/** Where and how the on-call person is paged (PAGING_*); null url: nobody is. */
export class PagingSettings {
  constructor(
    readonly url: string | null,
    readonly format: PagingFormat,
    readonly key: string | null,
    /** The API's public address, for the link in the page. */
    readonly baseUrl: string,
  ) {}
}

/** What a page says, whatever its shape: never the order's URLs or reasons, which a paging service must not hold. */
export interface Page {
  orderId: string;
  noticeId: string;
  reference: string;
  authority: string;
  memberState: string;
  deadline: string | null;
  attempt: number;
  link: string;
}

export function pageSummary(p: Page): string {
  const by = p.deadline ? ` by ${p.deadline}` : ' within the hour';
  const again = p.attempt > 1 ? ` (page ${p.attempt}, not acknowledged yet)` : '';
  return `Removal order ${p.reference} from ${p.authority} (${p.memberState}): remove or disable${by}${again}`;
}

/** The request body (and headers) each paging service takes. */
export function pagingRequest(
  format: PagingFormat,
  key: string | null,
  page: Page,
): { headers: Record<string, string>; body: unknown } {
  const summary = pageSummary(page);
  const details = {
    order: page.orderId,
    notice: page.noticeId,
    reference: page.reference,
    authority: page.authority,
    member_state: page.memberState,
    deadline: page.deadline,
    page: page.attempt,
  };
  switch (format) {
    case 'pagerduty':
      // Events API v2: one incident per order (dedup_key); a repeated trigger re-alerts on the open incident.
      return {
        headers: {},
        body: {
          routing_key: key,
          event_action: 'trigger',
          dedup_key: `takedown-order-${page.orderId}`,
          payload: {
            summary,
            source: 'takedown',
            severity: 'critical',
            component: 'removal-orders',
            custom_details: details,
          },
          links: [{ href: page.link, text: 'The removal order in Takedown' }],
        },
      };
    case 'opsgenie':
      return {
        headers: { authorization: `GenieKey ${key ?? ''}` },
        body: {
          message: summary.slice(0, 130),
          alias: `takedown-order-${page.orderId}`,
          description: `${summary}\n${page.link}`,
          priority: 'P1',
          source: 'takedown',
          tags: ['removal-order'],
          details: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, String(v)])),
        },
      };
    case 'slack':
    case 'teams':
      return { headers: {}, body: { text: `${summary}\n${page.link}` } };
    case 'matrix':
      return {
        headers: {},
        body: { text: `${summary}\n${page.link}`, msgtype: 'm.text', username: 'takedown' },
      };
  }
}

/** The paging workflow's activities: whether a page is still needed, and sending one. */
@Injectable()
export class OrderPaging implements OrderPagingActivities {
  private readonly logger = new Logger(OrderPaging.name);

  constructor(
    private readonly db: DataSource,
    private readonly settings: PagingSettings,
  ) {}

  async orderNeedsPaging({ orderId }: { orderId: string }): Promise<boolean> {
    return this.settings.url !== null && (await removalOrderNeedsPaging(this.db, orderId));
  }

  async pageOnCall({ orderId, attempt }: { orderId: string; attempt: number }): Promise<void> {
    const { url, format, key, baseUrl } = this.settings;
    if (!url) return;
    const order = await findRemovalOrder(this.db, orderId);
    if (!order) throw ApplicationFailure.nonRetryable(`no removal order ${orderId}`, 'ORDER.NOT_FOUND');
    const request = pagingRequest(format, key, toPage(order, attempt, baseUrl));
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: JSON.stringify(request.body),
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      error = (err as Error).message.slice(0, 200);
    }
    // The paging address holds a secret in most services: the log names the order, never the address.
    if (status === null || status < 200 || status > 299) {
      throw ApplicationFailure.retryable(
        `paging (${format}) for order ${orderId} ${error ? `failed: ${error}` : `answered ${status}`}`,
      );
    }
    await recordRemovalOrderPage(this.db, orderId, attempt);
    this.logger.log(
      { orderId, noticeId: order.noticeId, format, attempt },
      'on-call paged for a removal order',
    );
  }
}

function toPage(order: RemovalOrderRow, attempt: number, baseUrl: string): Page {
  return {
    orderId: order.id,
    noticeId: order.noticeId,
    reference: order.reference,
    authority: order.authority,
    memberState: order.memberState,
    deadline: order.noticeDeadline?.toISOString() ?? null,
    attempt,
    link: `${baseUrl.replace(/\/$/, '')}/v1/orders/${order.id}`,
  };
}
