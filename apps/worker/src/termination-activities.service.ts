import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import { TASK_OUTCOMES, terminationTimersFor } from '@takedown/domain';
import { linkUrl, signLink } from '@takedown/links';
import { caseTaskEmail, formatInstant, layout, terminationLetter } from '@takedown/mail';
import { renderLetterPdf } from '@takedown/reports';
import {
  AbuseContactEntity,
  ContractEntity,
  CustomerEntity,
  TaskEntity,
  TaskStore,
} from '@takedown/persistence';
import type {
  CaseEvent,
  CaseTask,
  TerminationActivities,
  TerminationCaseFacts,
} from '@takedown/workflows/termination-activities';
import { terminationWorkflowId } from '@takedown/workflows/termination-messages';
import { NotificationActivitiesService } from './notification-activities.service';
import { StatementsService } from './statements.service';
import { TerminationSettings } from './termination-settings';
import { WorkerSettings } from './worker-settings';
import { activityWorkflow, auditWorkflowDecision } from './workflow-audit';

/** Outside an activity (tests call the service directly) the writer of customer changes is named thus. */
const CASE_WORKFLOW = { workflowId: 'termination', workflowType: 'terminationWorkflow' };

interface CaseRow {
  id: string;
  customer_id: string;
  status: string;
  reason: string;
  opened_at: Date;
}

/**
 * The termination workflow's activities: its timeline, its tasks (in the notices' tasks table, with the same signed
 * links), the formal letters, and the end of the customer's prefixes and contract. Idempotent by key, like the
 * notice's.
 */
@Injectable()
export class TerminationActivitiesService implements TerminationActivities {
  private readonly logger = new Logger(TerminationActivitiesService.name);

  constructor(
    private readonly db: DataSource,
    private readonly settings: WorkerSettings,
    private readonly termination: TerminationSettings,
    private readonly notifications: NotificationActivitiesService,
    private readonly statements: StatementsService,
  ) {}

  async loadCase(input: { caseId: string }): Promise<TerminationCaseFacts> {
    const row = await this.caseRow(input.caseId);
    const customer = await this.customer(row.customer_id);
    const contract = await this.db.getRepository(ContractEntity).findOneBy({ customerId: customer.id });
    const [{ illegal }] = (await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM notices WHERE customer_id = $1
         AND category IN ('csam', 'terrorist_content') AND outcome IS DISTINCT FROM 'invalid'
         AND outcome IS DISTINCT FROM 'disputed_accepted') AS illegal`,
      [customer.id],
    )) as { illegal: boolean }[];
    return {
      customer: { id: customer.id, reference: customer.reference, name: customer.name },
      contract: contract
        ? {
            noticePeriodDays: contract.noticePeriodDays,
            immediateTerminationForIllegalContent: contract.immediateTerminationForIllegalContent,
          }
        : null,
      illegalContent: illegal,
      timers: terminationTimersFor(contract?.policyProfile ?? this.settings.defaultPolicyProfile),
    };
  }

  async recordCaseEvent(e: CaseEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [inserted] = (await tx.query(
        `INSERT INTO termination_case_events (case_id, type, actor, reason, data, occurred_at, idempotency_key)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        [e.caseId, e.type, e.actor, e.reason ?? null, JSON.stringify(e.data ?? {}), new Date(e.at), e.key],
      )) as unknown[];
      if (!inserted) return; // an earlier attempt wrote it
      let before: { status: string } | undefined;
      if (e.status) {
        [before] = (await tx.query(`SELECT status FROM termination_cases WHERE id = $1 FOR UPDATE`, [
          e.caseId,
        ])) as { status: string }[];
        const ended = ['terminated', 'rejected', 'withdrawn'].includes(e.status);
        await tx.query(
          `UPDATE termination_cases SET status = $2, effective_at = COALESCE($3, effective_at),
             closed_at = CASE WHEN $4 THEN $5::timestamptz ELSE closed_at END
           WHERE id = $1`,
          [e.caseId, e.status, e.effectiveAt ? new Date(e.effectiveAt) : null, ended, new Date(e.at)],
        );
      }
      await auditWorkflowDecision(tx, {
        workflowId: terminationWorkflowId(e.caseId),
        workflowType: 'terminationWorkflow',
        action: `termination.${e.type}`,
        target: { type: 'termination', id: e.caseId },
        summary: {
          by: e.actor,
          reason: e.reason,
          occurredAt: e.at,
          key: e.key,
          ...(e.status ? { before: { status: before?.status }, after: { status: e.status } } : {}),
          effectiveAt: e.effectiveAt,
          data: e.data,
        },
      });
    });
  }

  async openCaseTask(input: CaseTask): Promise<{ taskId: string }> {
    const row = await this.caseRow(input.caseId);
    const customer = await this.customer(row.customer_id);
    const email = input.assignee === 'legal' ? this.termination.legalEmail : this.settings.nocEmail;
    // A retried activity finds the task its first attempt opened.
    const task = await new TaskStore(this.db).openOnce({
      owner: { caseId: row.id },
      kind: input.kind,
      assignee: input.assignee,
      assigneeEmail: email,
      summary: input.summary,
      dueAt: new Date(input.dueAt),
      key: input.key,
    });
    await this.sendTaskEmail(task, input.key, 'task', customer);
    return { taskId: task.id };
  }

  async remindCaseTask(input: { taskId: string; key: string }): Promise<void> {
    const task = await new TaskStore(this.db).byId(input.taskId);
    if (!task?.caseId) {
      throw ApplicationFailure.nonRetryable(`case task ${input.taskId} does not exist`, 'TASK.NOT_FOUND');
    }
    if (task.status !== 'open') return this.notifications.withdrawEmail(input.key);
    const row = await this.caseRow(task.caseId);
    await this.sendTaskEmail(task, input.key, 'reminder', await this.customer(row.customer_id));
  }

  async closeCaseTasks(input: { caseId: string; reason: string }): Promise<void> {
    await new TaskStore(this.db).cancelOpen({ caseId: input.caseId }, input.reason);
  }

  async sendTerminationLetter(input: {
    caseId: string;
    key: string;
    kind: 'notice' | 'reminder' | 'withdrawn';
    effectiveAt?: string;
  }): Promise<void> {
    const row = await this.caseRow(input.caseId);
    const customer = await this.customer(row.customer_id);
    const contacts = await this.db
      .getRepository(AbuseContactEntity)
      .find({ where: { customerId: customer.id }, order: { email: 'ASC' } });
    const to = [
      ...contacts.map((c) => c.email),
      ...(customer.accountManagerEmail ? [customer.accountManagerEmail] : []),
    ];
    if (!to.length) {
      throw ApplicationFailure.nonRetryable(
        `customer ${customer.reference} has nobody to write to`,
        'CUSTOMER.NO_CONTACTS',
      );
    }
    // The formal notice carries the statement of reasons (DSA Art. 17): the customer has it before any restriction.
    const statement =
      input.kind === 'notice'
        ? await this.statements.ensure({
            caseId: row.id,
            effectiveAt: input.effectiveAt ?? new Date().toISOString(),
            immediate: await this.immediate(row.id),
          })
        : null;
    const sent = await this.notifications.sendOnce(input.key, to, async () => {
      const letter = terminationLetter({
        kind: input.kind,
        language: customer.language,
        customer: { name: customer.name, reference: customer.reference, timeZone: customer.timeZone },
        caseId: row.id,
        reason: row.reason,
        effectiveAt: input.effectiveAt,
      });
      // The formal letter goes in the body and, for the customer's files and legal's, as a PDF of the same words.
      const pdf = await renderLetterPdf({
        sender: this.termination.providerName,
        date: formatInstant(new Date(), customer.timeZone, customer.language),
        title: letter.title,
        subject: letter.subject,
        paragraphs: letter.intro,
        fields: letter.fields,
        closing: letter.outro,
      });
      return {
        ...layout(letter),
        attachments: [
          {
            filename: `termination-${input.kind}-${customer.reference}.pdf`.replace(/[^\w.-]+/g, '_'),
            contentType: 'application/pdf',
            content: pdf,
          },
          ...(statement
            ? [
                {
                  filename: `statement-of-reasons-${customer.reference}.pdf`.replace(/[^\w.-]+/g, '_'),
                  contentType: 'application/pdf',
                  content: statement.pdf,
                },
              ]
            : []),
        ],
      };
    });
    if (sent)
      this.logger.log({ caseId: row.id, kind: input.kind, key: input.key }, 'termination letter sent');
  }

  /** Whether the case ends at once (as the workflow decides it from the same facts). */
  private async immediate(caseId: string): Promise<boolean> {
    const facts = await this.loadCase({ caseId });
    return !!facts.contract?.immediateTerminationForIllegalContent && facts.illegalContent;
  }

  async setCustomerStatus(input: {
    customerId: string;
    status: 'active' | 'terminating' | 'terminated';
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [changed] = (await tx.query(
        `UPDATE customers c SET status = $2 FROM (SELECT id, status FROM customers WHERE id = $1 FOR UPDATE) old
         WHERE c.id = old.id AND old.status <> $2 RETURNING old.status AS before`,
        [input.customerId, input.status],
      )) as [{ before: string }[], number];
      // A retry finds the status set: nothing changed, nothing to audit.
      if (!changed.length) return;
      await auditWorkflowDecision(tx, {
        ...activityWorkflow(CASE_WORKFLOW),
        action: 'customer.status',
        target: { type: 'customer', id: input.customerId },
        summary: { before: { status: changed[0].before }, after: { status: input.status } },
      });
    });
  }

  async releasePrefixes(input: { customerId: string; at: string }): Promise<{ released: string[] }> {
    // Ending (not deleting) keeps who held an address when: the database refuses anything else.
    const released = await this.db.transaction(async (tx) => {
      const [rows] = (await tx.query(
        `UPDATE prefix_assignments SET valid_to = GREATEST($2::timestamptz, valid_from + interval '1 second')
         WHERE customer_id = $1 AND valid_to IS NULL RETURNING cidr::text AS cidr`,
        [input.customerId, new Date(input.at)],
      )) as [{ cidr: string }[], number];
      if (rows.length) {
        await auditWorkflowDecision(tx, {
          ...activityWorkflow(CASE_WORKFLOW),
          action: 'customer.prefixes_released',
          target: { type: 'customer', id: input.customerId },
          summary: { at: input.at, prefixes: rows.map((r) => r.cidr), count: rows.length },
        });
      }
      return rows.map((r) => r.cidr);
    });
    // A retry after the update finds nothing open: the first attempt's list is in the case's timeline.
    return { released };
  }

  private async sendTaskEmail(
    task: TaskEntity,
    key: string,
    kind: 'task' | 'reminder',
    customer: CustomerEntity,
  ): Promise<void> {
    await this.notifications.sendOnce(key, [task.assigneeEmail], () =>
      caseTaskEmail({
        kind,
        task: { id: task.id, kind: task.kind, summary: task.summary, dueAt: task.dueAt },
        caseId: task.caseId as string,
        customer: `${customer.name} (${customer.reference})`,
        links: TASK_OUTCOMES[task.kind].map((outcome) => ({
          outcome,
          url: linkUrl(
            this.settings.publicBaseUrl,
            signLink(
              this.settings.linkKeys,
              { t: 'task', id: task.id, action: outcome },
              this.settings.linkTtlMs,
            ),
          ),
        })),
        apiUrl: `${this.settings.publicBaseUrl}/v1/tasks/${task.id}/complete`,
      }),
    );
  }

  private async caseRow(id: string): Promise<CaseRow> {
    const [row] = (await this.db.query(
      `SELECT id, customer_id, status, reason, opened_at FROM termination_cases WHERE id = $1`,
      [id],
    )) as CaseRow[];
    if (!row)
      throw ApplicationFailure.nonRetryable(`termination case ${id} does not exist`, 'CASE.NOT_FOUND');
    return row;
  }

  private async customer(id: string): Promise<CustomerEntity> {
    const customer = await this.db.getRepository(CustomerEntity).findOneBy({ id });
    if (!customer)
      throw ApplicationFailure.nonRetryable(`customer ${id} does not exist`, 'CUSTOMER.NOT_FOUND');
    return customer;
  }
}
