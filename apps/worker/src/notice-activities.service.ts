import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import { redactUrl } from '@takedown/domain';
import { Mailer } from '@takedown/mail';
import { NoticeEntity, NoticeEventEntity, OutboundEmailEntity } from '@takedown/persistence';
import type { NoticeActivities, NoticeEmail, TimelineEvent } from '@takedown/workflows/activities';
import { WorkerSettings } from './worker-settings';

/**
 * The notice workflow's activities, as a Nest service so that they get their database and mailer by injection.
 * Each one is idempotent: a retry after a crash writes the same event or sends the same email at most once.
 */
@Injectable()
export class NoticeActivitiesService implements NoticeActivities {
  private readonly logger = new Logger(NoticeActivitiesService.name);

  constructor(
    private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly settings: WorkerSettings,
  ) {}

  async recordEvent(event: TimelineEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      const inserted = await tx
        .createQueryBuilder()
        .insert()
        .into(NoticeEventEntity)
        .values({
          noticeId: event.noticeId,
          type: event.type,
          actor: event.actor,
          reason: event.reason ?? null,
          data: (event.data ?? {}) as object,
          occurredAt: new Date(event.at),
          idempotencyKey: event.key,
        })
        .orIgnore()
        .execute();
      if ((inserted.raw as unknown[]).length === 0) return; // already recorded by an earlier attempt
      if (event.state) {
        await tx.update(
          NoticeEntity,
          { id: event.noticeId },
          {
            state: event.state,
            ...(event.outcome ? { outcome: event.outcome } : {}),
            ...(event.state === 'closed' ? { closedAt: new Date(event.at) } : {}),
          },
        );
      }
    });
  }

  async sendNoticeEmail(email: NoticeEmail): Promise<void> {
    const notice = await this.db.getRepository(NoticeEntity).findOneBy({ id: email.noticeId });
    if (!notice)
      throw ApplicationFailure.nonRetryable(`notice ${email.noticeId} does not exist`, 'NOTICE.NOT_FOUND');
    const outbox = this.db.getRepository(OutboundEmailEntity);
    const existing = await outbox.findOneBy({ idempotencyKey: email.key });
    if (existing?.sentAt) return;
    const to = [this.settings.abuseDeskEmail];
    const subject = `[Takedown] Deadline missed: ${notice.category} notice ${notice.sourceReference}`;
    if (!existing)
      await outbox.insert({ idempotencyKey: email.key, to, subject, messageId: null, sentAt: null });
    const urls = notice.category === 'csam' ? notice.urls.map(redactUrl) : notice.urls;
    const messageId = await this.mailer.send({
      from: this.settings.mailFrom,
      to,
      subject,
      idempotencyKey: email.key,
      text: [
        `The deadline of notice ${notice.id} passed without a confirmed removal.`,
        '',
        `Category:  ${notice.category}`,
        `Source:    ${notice.sourceName} (${notice.sourceKind}), reference ${notice.sourceReference}`,
        `Reported:  ${urls.join(', ')}`,
        `IP:        ${notice.ip ?? 'unknown'}`,
        `Deadline:  ${notice.deadline?.toISOString() ?? 'unknown'}`,
        '',
        `Notice: ${this.settings.publicBaseUrl}/v1/notices/${notice.id}`,
      ].join('\n'),
    });
    // Between the send and this update a crash can still repeat the email once: SMTP has no transactions.
    await outbox.update({ idempotencyKey: email.key }, { sentAt: new Date(), messageId });
    this.logger.log({ noticeId: notice.id, key: email.key }, 'deadline email sent');
  }
}
