import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import { TASK_OUTCOMES, terminationTimersFor } from '@takedown/domain';
import { linkUrl, signLink } from '@takedown/links';
import { caseTaskEmail, terminationLetterEmail } from '@takedown/mail';
import { AbuseContactEntity, ContractEntity, CustomerEntity } from '@takedown/persistence';
import type {
  CaseEvent,
  CaseTask,
  TerminationActivities,
  TerminationCaseFacts,
} from '@takedown/workflows/termination-activities';
import { NotificationActivitiesService } from './notification-activities.service';
import { TerminationSettings } from './termination-settings';
import { WorkerSettings } from './worker-settings';

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
      if (!inserted || !e.status) return;
      const ended = ['terminated', 'rejected', 'withdrawn'].includes(e.status);
      await tx.query(
        `UPDATE termination_cases SET status = $2, effective_at = COALESCE($3, effective_at),
           closed_at = CASE WHEN $4 THEN $5::timestamptz ELSE closed_at END
         WHERE id = $1`,
        [e.caseId, e.status, e.effectiveAt ? new Date(e.effectiveAt) : null, ended, new Date(e.at)],
      );
    });
  }

  async openCaseTask(input: CaseTask): Promise<{ taskId: string }> {
    const row = await this.caseRow(input.caseId);
    const customer = await this.customer(row.customer_id);
    const email = input.assignee === 'legal' ? this.termination.legalEmail : this.settings.nocEmail;
    await this.db.query(
      `INSERT INTO tasks (case_id, kind, assignee, assignee_email, summary, due_at, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING`,
      [row.id, input.kind, input.assignee, email, input.summary, new Date(input.dueAt), input.key],
    );
    const [task] = (await this.db.query(`SELECT id FROM tasks WHERE idempotency_key = $1`, [input.key])) as {
      id: string;
    }[];
    await this.sendTaskEmail(task.id, input.key, 'task', customer);
    return { taskId: task.id };
  }

  async remindCaseTask(input: { taskId: string; key: string }): Promise<void> {
    const [task] = (await this.db.query(`SELECT status, case_id FROM tasks WHERE id = $1`, [
      input.taskId,
    ])) as {
      status: string;
      case_id: string;
    }[];
    if (!task) throw ApplicationFailure.nonRetryable(`task ${input.taskId} does not exist`, 'TASK.NOT_FOUND');
    if (task.status !== 'open') return;
    const row = await this.caseRow(task.case_id);
    await this.sendTaskEmail(input.taskId, input.key, 'reminder', await this.customer(row.customer_id));
  }

  async closeCaseTasks(input: { caseId: string; reason: string }): Promise<void> {
    await this.db.query(
      `UPDATE tasks SET status = 'cancelled', completed_at = now(), completed_by = 'workflow', note = $2
       WHERE case_id = $1 AND status = 'open'`,
      [input.caseId, input.reason],
    );
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
    const sent = await this.notifications.sendOnce(input.key, to, () =>
      terminationLetterEmail({
        kind: input.kind,
        language: customer.language,
        customer: { name: customer.name, reference: customer.reference, timeZone: customer.timeZone },
        caseId: row.id,
        reason: row.reason,
        effectiveAt: input.effectiveAt,
      }),
    );
    if (sent)
      this.logger.log({ caseId: row.id, kind: input.kind, key: input.key }, 'termination letter sent');
  }

  async setCustomerStatus(input: {
    customerId: string;
    status: 'active' | 'terminating' | 'terminated';
  }): Promise<void> {
    await this.db.getRepository(CustomerEntity).update({ id: input.customerId }, { status: input.status });
  }

  async releasePrefixes(input: { customerId: string; at: string }): Promise<{ released: string[] }> {
    // Ending (not deleting) keeps who held an address when: the database refuses anything else.
    const rows = (await this.db.query(
      `UPDATE prefix_assignments SET valid_to = GREATEST($2::timestamptz, valid_from + interval '1 second')
       WHERE customer_id = $1 AND valid_to IS NULL RETURNING cidr::text AS cidr`,
      [input.customerId, new Date(input.at)],
    )) as [{ cidr: string }[], number];
    const released = rows[0].map((r) => r.cidr);
    // A retry after the update finds nothing open: the first attempt's list is in the case's timeline.
    return { released };
  }

  private async sendTaskEmail(
    taskId: string,
    key: string,
    kind: 'task' | 'reminder',
    customer: CustomerEntity,
  ): Promise<void> {
    const [task] = (await this.db.query(
      `SELECT id, kind, summary, due_at, assignee_email, case_id FROM tasks WHERE id = $1`,
      [taskId],
    )) as {
      id: string;
      kind: keyof typeof TASK_OUTCOMES;
      summary: string;
      due_at: Date;
      assignee_email: string;
      case_id: string;
    }[];
    await this.notifications.sendOnce(key, [task.assignee_email], () =>
      caseTaskEmail({
        kind,
        task: { id: task.id, kind: task.kind, summary: task.summary, dueAt: task.due_at },
        caseId: task.case_id,
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
