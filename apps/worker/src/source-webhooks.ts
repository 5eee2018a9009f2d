import { createHmac } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { FeedbackWebhook } from '@takedown/config';
import type { NoticeEntity } from '@takedown/persistence';

/** Header names of a feedback callback; the receiver recomputes the signature with the shared secret. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-takedown-signature';
export const WEBHOOK_DELIVERY_HEADER = 'x-takedown-delivery';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp lets a receiver refuse replays. */
export function signWebhook(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * Feedback to sources that configured a webhook (FEEDBACK_WEBHOOKS): an X-ARF-style JSON callback when a notice
 * closes, signed with the source's secret. A delivery is recorded by its key once the receiver answered 2xx, so a
 * retried activity does not call again; a crash between the answer and the record can repeat it, which is why every
 * call carries its key in X-Takedown-Delivery for the receiver to drop duplicates.
 */
export class SourceWebhooks {
  private readonly logger = new Logger(SourceWebhooks.name);

  constructor(
    private readonly db: DataSource,
    private readonly hooks: readonly FeedbackWebhook[],
    /** The deliveries whose last attempt failed, for takedown_feedback_deliveries_pending. */
    private readonly pending: Set<string> = new Set(),
  ) {}

  async deliver(
    notice: NoticeEntity,
    reports: { sourceName: string; sourceReference: string }[],
    key: string,
  ) {
    for (const report of reports) {
      const hook = this.hooks.find((h) => h.source === report.sourceName);
      if (!hook) continue;
      const delivery = `${key}:webhook:${report.sourceName}:${report.sourceReference}`;
      const done = (await this.db.query(`SELECT 1 FROM outbound_webhooks WHERE idempotency_key = $1`, [
        delivery,
      ])) as unknown[];
      if (done.length) continue;
      const body = JSON.stringify({
        type: 'notice.closed',
        report_id: report.sourceReference,
        notice_id: notice.id,
        category: notice.category,
        outcome: notice.outcome,
        received_at: notice.receivedAt.toISOString(),
        removed_at: notice.removedAt?.toISOString() ?? null,
        closed_at: notice.closedAt?.toISOString() ?? null,
        time_to_removal_seconds: notice.timeToRemovalSeconds,
      });
      let status: number;
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [WEBHOOK_SIGNATURE_HEADER]: signWebhook(hook.secret, body, new Date()),
            [WEBHOOK_DELIVERY_HEADER]: delivery,
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
      } catch (err) {
        this.pending.add(delivery);
        throw ApplicationFailure.retryable(
          `feedback webhook of ${report.sourceName}: ${(err as Error).message}`,
        );
      }
      if (status < 200 || status > 299) {
        this.pending.add(delivery);
        throw ApplicationFailure.retryable(`feedback webhook of ${report.sourceName} answered ${status}`);
      }
      this.pending.delete(delivery);
      await this.db.query(
        `INSERT INTO outbound_webhooks (idempotency_key, url, status) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [delivery, hook.url, status],
      );
      this.logger.log({ noticeId: notice.id, source: report.sourceName }, 'feedback webhook delivered');
    }
  }
}
