import { Injectable, Logger, Optional } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import { TASK_OUTCOMES, urlsFor, type TaskAssignee } from '@takedown/domain';
import { linkUrl, signLink, type LinkTarget } from '@takedown/links';
import type { StatementOfReasons } from '@takedown/reports';
import {
  Mailer,
  customerNoticeEmail,
  layout,
  notifierReceiptEmail,
  orderInformationEmail,
  sourceFeedbackEmail,
  taskEmail,
  type RenderedEmail,
} from '@takedown/mail';
import {
  createPortalLink,
  CustomerEntity,
  NoticeEntity,
  NoticeReportEntity,
  PgEmailOutbox,
  PORTAL_LINK_TTL_MS,
  sweepDueProviderInformation,
  sweepDueReceipts,
  TaskStore,
  TaskEntity,
} from '@takedown/persistence';
import type { CustomerEmail, NoticeActivities, OpenTask } from '@takedown/workflows/activities';
import { CustomerWebhooks } from './customer-webhooks';
import { EmailOnce } from './email-once';
import { SourceWebhooks } from './source-webhooks';
import { WorkerSettings } from './worker-settings';
import { customerWithContacts } from './customer-contacts';
import { StatementsService } from './statements.service';

/** A plausible mailbox: a source's contact is free text and may be a phone number or a web form. */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The notice workflow's mail and tasks: the customer's notice and reminders, tasks for people with a signed link per
 * outcome, and feedback to the source. Every email goes out at least once per idempotency key, and again only after
 * an unconfirmed delivery (outbox in `outbound_emails`); reported URLs never reach a log line. `notifyCustomer` is
 * wrapped by the worker (create-worker.ts), which records the timeline steps around it.
 */
@Injectable()
export class NotificationActivitiesService implements Pick<
  NoticeActivities,
  'openTask' | 'remindTask' | 'closeTasks' | 'sendSuspensionStatement' | 'sendSourceFeedback'
> {
  private readonly logger = new Logger(NotificationActivitiesService.name);
  private readonly once: EmailOnce;
  private readonly tasks: TaskStore;

  constructor(
    private readonly db: DataSource,
    mailer: Mailer,
    private readonly settings: WorkerSettings,
    // Absent where no source has a webhook (tests of the mail alone).
    @Optional() private readonly webhooks?: SourceWebhooks,
    @Optional() private readonly customerWebhooks?: CustomerWebhooks,
    // Absent where no statement is signed (tests of the mail alone): no suspension statement then.
    @Optional() private readonly statements?: StatementsService,
  ) {
    this.tasks = new TaskStore(db);
    this.once = new EmailOnce(new PgEmailOutbox(db), mailer, settings.mailFrom, {
      warn: (fields, message) => this.logger.warn(fields, message),
    });
  }

  /** Returns `resent` when an earlier attempt's delivery was unconfirmed and the email went again. */
  async notifyCustomer(email: CustomerEmail): Promise<'sent' | 'resent' | false> {
    const notice = await this.notice(email.noticeId);
    if (!notice.customerId) {
      throw ApplicationFailure.nonRetryable(
        `notice ${notice.id} is not attributed to a customer`,
        'NOTICE.UNATTRIBUTED',
      );
    }
    const first = email.reseller?.role === 'first';
    const sent = await this.sendNoticeEmail(email, notice, first ? 'first' : null, email.key);
    // A reseller that acts first gets the notice in place of its end customer, whose webhook waits for its own email.
    if (first) return sent;
    if (email.reseller?.role === 'copy' && notice.resellerId) {
      try {
        await this.sendNoticeEmail(email, notice, 'copy', `${email.key}:reseller-copy`);
      } catch (err) {
        // A copy for information never holds the end customer's notice: a reseller without contacts gets none.
        if (!(err instanceof ApplicationFailure) || err.type !== 'CUSTOMER.NO_CONTACTS') throw err;
        this.logger.warn(
          { noticeId: notice.id, key: email.key },
          'reseller copy not sent: no abuse contacts',
        );
      }
    }
    // Beside the email, once per email key: the customer's webhook, on its own workflow.
    await this.customerWebhooks?.enqueue(
      notice.id,
      email.kind === 'notice' ? 'notice.created' : 'notice.reminder',
      `${email.key}:webhook`,
    );
    return sent;
  }

  /**
   * One notice email, once per key: to the customer's abuse contacts, or (`role`) to its reseller's, about its end
   * customer: the notice to answer first, or a copy.
   */
  private async sendNoticeEmail(
    email: CustomerEmail,
    notice: NoticeEntity,
    role: 'first' | 'copy' | null,
    key: string,
  ): Promise<'sent' | 'resent' | false> {
    const customerId = notice.customerId as string;
    const endCustomer = role
      ? await this.db.getRepository(CustomerEntity).findOneBy({ id: customerId })
      : null;
    if (role && !notice.resellerId) {
      throw ApplicationFailure.nonRetryable(`notice ${notice.id} names no reseller`, 'CUSTOMER.NOT_FOUND');
    }
    const recipientId = role ? (notice.resellerId as string) : customerId;
    const { customer, contacts } = await customerWithContacts(this.db, recipientId);
    const sent = await this.sendOnce(
      key,
      contacts.map((c) => c.email),
      async () =>
        customerNoticeEmail({
          kind: email.kind,
          language: customer.language,
          customer: { name: customer.name, reference: customer.reference, timeZone: customer.timeZone },
          notice: {
            id: notice.id,
            category: notice.category,
            urls: urlsFor('customer', notice.category, notice.urls),
            ip: notice.ip,
            receivedAt: notice.receivedAt,
          },
          deadline: email.deadline,
          urgent: email.aroundTheClock,
          // An informed reseller's copy asks nothing of it: its end customer answers.
          links:
            role === 'copy'
              ? undefined
              : {
                  removed: this.link({ t: 'notice', id: notice.id, action: 'removed' }),
                  dispute: this.link({ t: 'notice', id: notice.id, action: 'dispute' }),
                },
          portal: contacts.length ? await this.portalLink(customer.id, contacts[0].email) : undefined,
          ...(endCustomer && role
            ? {
                reseller: {
                  endCustomer: { name: endCustomer.name, reference: endCustomer.reference },
                  mode: role === 'first' ? ('act_first' as const) : ('informed' as const),
                  until: email.reseller?.role === 'first' ? email.reseller.until : undefined,
                },
              }
            : {}),
        }),
    );
    if (sent) {
      this.logger.log(
        { noticeId: notice.id, key, customer: customer.reference, recipients: contacts.length },
        `${role ? 'reseller' : 'customer'} ${email.kind} email sent`,
      );
    }
    return sent;
  }

  async openTask(input: OpenTask): Promise<{ taskId: string }> {
    const notice = await this.notice(input.noticeId);
    // A person decided to suspend: the customer has the statement of reasons before the NOC is asked to act.
    if (input.kind === 'noc_suspension' && notice.state === 'suspension_requested' && notice.customerId) {
      await this.suspensionStatement(notice, notice.customerId);
    }
    const assigneeEmail = await this.assigneeEmail(input.assignee, notice);
    // A retry after a crash finds the task the first attempt inserted, whatever the email's fate was.
    const task = await this.tasks.openOnce({
      owner: { noticeId: notice.id },
      kind: input.kind,
      assignee: input.assignee,
      assigneeEmail,
      summary: input.summary,
      dueAt: new Date(input.dueAt),
      key: input.key,
    });
    if (await this.sendTaskEmail(task, notice, input.key, 'task')) {
      this.logger.log(
        { noticeId: notice.id, taskId: task.id, kind: task.kind, assignee: task.assignee, key: input.key },
        'task opened',
      );
    }
    return { taskId: task.id };
  }

  /** A suspension the NOC made on a removal order's stand-by, before any request: its statement (activity). */
  async sendSuspensionStatement(input: { noticeId: string }): Promise<void> {
    const notice = await this.notice(input.noticeId);
    if (notice.customerId) await this.suspensionStatement(notice, notice.customerId);
  }

  /** The statement of reasons for a suspension (DSA Art. 17), to the customer's abuse contacts with its PDF; once. */
  private async suspensionStatement(notice: NoticeEntity, customerId: string): Promise<void> {
    if (!this.statements) return;
    const { customer, contacts } = await customerWithContacts(this.db, customerId);
    const statement = await this.statements.ensureForSuspension({ noticeId: notice.id });
    const sent = await this.sendOnce(
      `${notice.id}:statement:suspension`,
      contacts.map((c) => c.email),
      () => {
        const { text } = JSON.parse(statement.json) as StatementOfReasons;
        return {
          ...layout({
            subject: `[Takedown] ${text.title}: ${notice.id}`,
            intro: text.paragraphs,
            fields: [],
          }),
          attachments: [
            {
              filename: `statement-of-reasons-${customer.reference}-${notice.id}.pdf`.replace(
                /[^\w.-]+/g,
                '_',
              ),
              contentType: 'application/pdf',
              content: statement.pdf,
            },
          ],
        };
      },
    );
    if (sent) this.logger.log({ noticeId: notice.id, statement: statement.id }, 'suspension statement sent');
  }

  async remindTask(input: { taskId: string; key: string }): Promise<void> {
    const task = await this.tasks.byId(input.taskId);
    if (!task?.noticeId) {
      throw ApplicationFailure.nonRetryable(`notice task ${input.taskId} does not exist`, 'TASK.NOT_FOUND');
    }
    // Completed or cancelled meanwhile: a reminder would only confuse. An earlier attempt the mail server refused
    // left an outbox row that nothing will send now: withdrawn, so that no one waits for it.
    if (task.status !== 'open') return this.withdrawEmail(input.key);
    const notice = await this.notice(task.noticeId);
    if (await this.sendTaskEmail(task, notice, input.key, 'reminder')) {
      this.logger.log({ taskId: task.id, key: input.key }, 'task reminder sent');
    }
  }

  async closeTasks(input: { noticeId: string; reason: string }): Promise<void> {
    const cancelled = await this.tasks.cancelOpen({ noticeId: input.noticeId }, input.reason);
    if (cancelled > 0) this.logger.log({ noticeId: input.noticeId, tasks: cancelled }, 'tasks cancelled');
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

  /**
   * The confirmations of receipt due (DSA Art. 16(4)), whatever channel took the reports in: one email per report
   * whose sender gave a mailbox, under the report's own reference; a report without one (an anonymous hotline
   * report) is confirmed to nobody. Keyed by report, so a retry after a crash sends no second one.
   */
  async sendNotifierReceipts(input: { limit: number }): Promise<{ sent: number; anonymous: number }> {
    const done = await sweepDueReceipts(this.db, input.limit, async (r) => {
      const address = r.sourceContact?.trim().toLowerCase();
      if (!address || !EMAIL_ADDRESS.test(address)) return false;
      await this.sendOnce(`report:${r.reportId}:receipt`, [address], () =>
        notifierReceiptEmail({
          sourceReference: r.sourceReference,
          noticeId: r.noticeId,
          category: r.category,
          receivedAt: r.receivedAt,
        }),
      );
      return true;
    });
    if (done.sent || done.anonymous) this.logger.log(done, 'notifier receipts');
    return done;
  }

  /**
   * TCO Art. 11: the customer whose content was removed under a removal order hears which order, whose, why and how
   * to challenge it, at its abuse contacts and in its language; once per order. An order that says the provider is
   * not to be told is marked withheld and sends nothing.
   */
  async informContentProviders(input: { limit: number }): Promise<{ sent: number; withheld: number }> {
    const done = await sweepDueProviderInformation(this.db, input.limit, async (o) => {
      const found = await customerWithContacts(this.db, o.customerId).catch((err: unknown) => {
        if (err instanceof ApplicationFailure && err.type === 'CUSTOMER.NO_CONTACTS') return null;
        throw err;
      });
      if (!found) {
        this.logger.warn(
          { orderId: o.orderId },
          'content provider not informed: the customer has no abuse contact',
        );
        return false;
      }
      const { customer, contacts } = found;
      await this.sendOnce(
        `order:${o.orderId}:information`,
        contacts.map((c) => c.email),
        () =>
          orderInformationEmail({
            language: customer.language,
            customer: { name: customer.name, reference: customer.reference, timeZone: customer.timeZone },
            order: o,
            noticeId: o.noticeId,
            removedAt: o.removedAt,
          }),
      );
      return true;
    });
    if (done.sent || done.withheld) this.logger.log(done, 'content providers informed of removal orders');
    return done;
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
  ): Promise<'sent' | 'resent' | false> {
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
          // The rule the API follows too: a CSAM URL in full only for those who handle the material.
          urls: urlsFor(task.assignee, notice.category, notice.urls),
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

  /**
   * A fresh portal link for one notice email, made only when the email is rendered (a retry after delivery makes
   * none); single-use and valid for a day, as a requested one. It is bound to the first abuse contact, the address
   * a link request would use, so it stops working once that address is no longer the customer's.
   */
  private async portalLink(customerId: string, email: string): Promise<{ url: string; expiresAt: Date }> {
    const { link, expiresAt } = await createPortalLink(this.db, {
      customerId,
      email,
      ttlMs: PORTAL_LINK_TTL_MS,
    });
    return { url: `${this.settings.publicBaseUrl}/console/portal?link=${link}`, expiresAt };
  }

  private link(target: LinkTarget): string {
    return linkUrl(
      this.settings.publicBaseUrl,
      signLink(this.settings.linkKeys, target, this.settings.linkTtlMs),
    );
  }

  /** Each key's email at least once, and again only after an unconfirmed delivery: see `EmailOnce`. */
  sendOnce(
    key: string,
    to: string[],
    render: () => RenderedEmail | Promise<RenderedEmail>,
  ): Promise<'sent' | 'resent' | false> {
    return this.once.send(key, to, render);
  }

  /** A step that no longer sends its email: see `EmailOnce.withdraw`. */
  withdrawEmail(key: string): Promise<void> {
    return this.once.withdraw(key);
  }
}
