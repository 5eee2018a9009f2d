import { Injectable, Logger, Optional } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import { TASK_OUTCOMES, redactUrl, type TaskAssignee } from '@takedown/domain';
import { linkUrl, signLink, type LinkTarget } from '@takedown/links';
import {
  Mailer,
  customerNoticeEmail,
  sourceFeedbackEmail,
  taskEmail,
  type RenderedEmail,
} from '@takedown/mail';
import {
  CustomerEntity,
  NoticeEntity,
  NoticeReportEntity,
  OutboundEmailEntity,
  TaskEntity,
} from '@takedown/persistence';
import type { CustomerEmail, NoticeActivities, OpenTask } from '@takedown/workflows/activities';
import { SourceWebhooks } from './source-webhooks';
import { WorkerSettings } from './worker-settings';
import { customerWithContacts } from './customer-contacts';

/** A plausible mailbox: a source's contact is free text and may be a phone number or a web form. */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The notice workflow's mail and tasks: the customer's notice and reminders, tasks for people with a signed link per
 * outcome, and feedback to the source. Every email goes out once per idempotency key (outbox in `outbound_emails`);
 * reported URLs never reach a log line.
 */
@Injectable()
export class NotificationActivitiesService implements Pick<
  NoticeActivities,
  'notifyCustomer' | 'openTask' | 'remindTask' | 'closeTasks' | 'sendSourceFeedback'
> {
  private readonly logger = new Logger(NotificationActivitiesService.name);

  constructor(
    private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly settings: WorkerSettings,
    // Absent where no source has a webhook (tests of the mail alone).
    @Optional() private readonly webhooks?: SourceWebhooks,
  ) {}

  async notifyCustomer(email: CustomerEmail): Promise<void> {
    const notice = await this.notice(email.noticeId);
    if (!notice.customerId) {
      throw ApplicationFailure.nonRetryable(
        `notice ${notice.id} is not attributed to a customer`,
        'NOTICE.UNATTRIBUTED',
      );
    }
    const { customer, contacts } = await customerWithContacts(this.db, notice.customerId);
    const sent = await this.sendOnce(
      email.key,
      contacts.map((c) => c.email),
      () =>
        customerNoticeEmail({
          kind: email.kind,
          language: customer.language,
          customer: { name: customer.name, reference: customer.reference, timeZone: customer.timeZone },
          notice: {
            id: notice.id,
            category: notice.category,
            urls: notice.urls,
            ip: notice.ip,
            receivedAt: notice.receivedAt,
          },
          deadline: email.deadline,
          links: {
            removed: this.link({ t: 'notice', id: notice.id, action: 'removed' }),
            dispute: this.link({ t: 'notice', id: notice.id, action: 'dispute' }),
          },
        }),
    );
    if (sent) {
      this.logger.log(
        { noticeId: notice.id, key: email.key, customer: customer.reference, recipients: contacts.length },
        `customer ${email.kind} email sent`,
      );
    }
  }

  async openTask(input: OpenTask): Promise<{ taskId: string }> {
    const notice = await this.notice(input.noticeId);
    const assigneeEmail = await this.assigneeEmail(input.assignee, notice);
    // A retry after a crash finds the task the first attempt inserted, whatever the email's fate was.
    await this.db.query(
      `INSERT INTO tasks (notice_id, kind, assignee, assignee_email, summary, due_at, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [notice.id, input.kind, input.assignee, assigneeEmail, input.summary, new Date(input.dueAt), input.key],
    );
    const task = await this.db.getRepository(TaskEntity).findOneByOrFail({ idempotencyKey: input.key });
    if (await this.sendTaskEmail(task, notice, input.key, 'task')) {
      this.logger.log(
        { noticeId: notice.id, taskId: task.id, kind: task.kind, assignee: task.assignee, key: input.key },
        'task opened',
      );
    }
    return { taskId: task.id };
  }

  async remindTask(input: { taskId: string; key: string }): Promise<void> {
    const task = await this.db.getRepository(TaskEntity).findOneBy({ id: input.taskId });
    if (!task) throw ApplicationFailure.nonRetryable(`task ${input.taskId} does not exist`, 'TASK.NOT_FOUND');
    // Completed or cancelled meanwhile: a reminder would only confuse.
    if (task.status !== 'open') return;
    const notice = await this.notice(task.noticeId);
    if (await this.sendTaskEmail(task, notice, input.key, 'reminder')) {
      this.logger.log({ taskId: task.id, key: input.key }, 'task reminder sent');
    }
  }

  async closeTasks(input: { noticeId: string; reason: string }): Promise<void> {
    const cancelled = (await this.db.query(
      `UPDATE tasks SET status = 'cancelled', completed_at = now(), completed_by = 'workflow', note = $2
       WHERE notice_id = $1 AND status = 'open'
       RETURNING id`,
      [input.noticeId, input.reason],
    )) as [{ id: string }[], number];
    if (cancelled[1] > 0)
      this.logger.log({ noticeId: input.noticeId, tasks: cancelled[1] }, 'tasks cancelled');
  }

  async sendSourceFeedback(input: { noticeId: string; key: string }): Promise<void> {
    const notice = await this.notice(input.noticeId);
    const reports = await this.db
      .getRepository(NoticeReportEntity)
      .find({ where: { noticeId: notice.id }, order: { id: 'ASC' } });
    // Every reporter that joined the notice hears back, each under its own reference and in an email of its own,
    // so that no reporter learns of another.
    const recipients = new Map<string, { reference: string; key: string }>();
    for (const { contact, reference } of [
      { contact: notice.sourceContact, reference: notice.sourceReference },
      ...reports.map((r) => ({ contact: r.sourceContact, reference: r.sourceReference })),
    ]) {
      const address = contact?.trim().toLowerCase();
      if (!address || !EMAIL_ADDRESS.test(address) || recipients.has(address)) continue;
      // The first reporter's email keeps the workflow's key as it is; later reporters get one each.
      const key = recipients.size === 0 ? input.key : `${input.key}:${address}`;
      recipients.set(address, { reference, key });
    }
    for (const [address, { reference, key }] of recipients) {
      const sent = await this.sendOnce(key, [address], () =>
        sourceFeedbackEmail({
          sourceReference: reference,
          notice: {
            id: notice.id,
            category: notice.category,
            outcome: notice.outcome,
            receivedAt: notice.receivedAt,
            removedAt: notice.removedAt,
            closedAt: notice.closedAt,
          },
        }),
      );
      if (sent) this.logger.log({ noticeId: notice.id, key }, 'source feedback sent');
    }
    await this.webhooks?.deliver(notice, reports, input.key);
  }

  private async notice(id: string): Promise<NoticeEntity> {
    const notice = await this.db.getRepository(NoticeEntity).findOneBy({ id });
    if (!notice) throw ApplicationFailure.nonRetryable(`notice ${id} does not exist`, 'NOTICE.NOT_FOUND');
    return notice;
  }

  private async assigneeEmail(assignee: TaskAssignee, notice: NoticeEntity): Promise<string> {
    switch (assignee) {
      case 'abuse_desk':
        return this.settings.abuseDeskEmail;
      case 'abuse_lead':
        return this.settings.abuseLeadEmail;
      case 'noc':
        return this.settings.nocEmail;
      case 'account_manager': {
        const customer = notice.customerId
          ? await this.db.getRepository(CustomerEntity).findOneBy({ id: notice.customerId })
          : null;
        // A customer without an account manager still gets someone: the desk owns the escalation then.
        return customer?.accountManagerEmail ?? this.settings.abuseDeskEmail;
      }
      case 'legal':
        // Notices hand nothing to legal: termination cases open their own tasks.
        throw ApplicationFailure.nonRetryable('a notice task cannot go to legal', 'TASK.INVALID_ASSIGNEE');
    }
  }

  private async sendTaskEmail(
    task: TaskEntity,
    notice: NoticeEntity,
    key: string,
    kind: 'task' | 'reminder',
  ): Promise<boolean> {
    return this.sendOnce(key, [task.assigneeEmail], async () => {
      const customer = notice.customerId
        ? await this.db.getRepository(CustomerEntity).findOneBy({ id: notice.customerId })
        : null;
      return taskEmail({
        kind,
        task: { id: task.id, kind: task.kind, summary: task.summary, dueAt: task.dueAt },
        notice: {
          id: notice.id,
          category: notice.category,
          // Staff open the notice for the full CSAM URLs; an email is copied and forwarded too easily.
          urls: notice.category === 'csam' ? notice.urls.map(redactUrl) : notice.urls,
          ip: notice.ip,
          customer: customer ? `${customer.name} (${customer.reference})` : null,
        },
        links: TASK_OUTCOMES[task.kind].map((outcome) => ({
          outcome,
          url: this.link({ t: 'task', id: task.id, action: outcome }),
        })),
        apiUrl: `${this.settings.publicBaseUrl}/v1/tasks/${task.id}/complete`,
      });
    });
  }

  private link(target: LinkTarget): string {
    return linkUrl(
      this.settings.publicBaseUrl,
      signLink(this.settings.linkKeys, target, this.settings.linkTtlMs),
    );
  }

  /**
   * Sends at most once per key: the outbox row is written before the send and marked after it, so a retry of a
   * sent step does nothing. Returns whether this call sent it. The body is rendered (and links signed) only when
   * needed, and is not stored: it can hold reported URLs.
   */
  async sendOnce(
    key: string,
    to: string[],
    render: () => RenderedEmail | Promise<RenderedEmail>,
  ): Promise<boolean> {
    const outbox = this.db.getRepository(OutboundEmailEntity);
    const existing = await outbox.findOneBy({ idempotencyKey: key });
    if (existing?.sentAt) return false;
    const mail = await render();
    if (!existing) {
      await outbox
        .createQueryBuilder()
        .insert()
        .values({ idempotencyKey: key, to, subject: mail.subject, messageId: null, sentAt: null })
        .orIgnore()
        .execute();
    }
    const messageId = await this.mailer.send({
      from: this.settings.mailFrom,
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      idempotencyKey: key,
    });
    // Between the send and this update a crash can still repeat the email once: SMTP has no transactions.
    await outbox.update({ idempotencyKey: key }, { sentAt: new Date(), messageId });
    return true;
  }
}
