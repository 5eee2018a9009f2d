import { Injectable, Logger } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { standingPolicyFor } from '@takedown/domain';
import { standingLetterEmail, standingNoteEmail } from '@takedown/mail';
import { ContractEntity, PreventiveMeasureEntity } from '@takedown/persistence';
import type { NoticeActivities } from '@takedown/workflows/activities';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import type {
  StandingActivities,
  StandingLetter,
  StandingRecord,
} from '@takedown/workflows/standing-activities';
import {
  standingEventSignal,
  standingWorkflowId,
  type StandingEventMessage,
} from '@takedown/workflows/standing-messages';
import { terminationWorkflow } from '@takedown/workflows/termination.workflow';
import { terminationWorkflowId } from '@takedown/workflows/termination-messages';
import { NotificationActivitiesService } from './notification-activities.service';
import { WorkerSettings } from './worker-settings';
import { customerWithContacts } from './customer-contacts';
import { auditWorkflowDecision } from './workflow-audit';

/**
 * A customer's standing: fed by notice workflows (signal-with-start from an activity, which a workflow cannot do),
 * kept in step in PostgreSQL, told to the customer and its account manager by letter, and turned into a termination
 * case when it comes to that. Every write and email is idempotent by its key.
 */
@Injectable()
export class StandingActivitiesService implements StandingActivities, Pick<NoticeActivities, 'feedStanding'> {
  private readonly logger = new Logger(StandingActivitiesService.name);

  constructor(
    private readonly db: DataSource,
    private readonly settings: WorkerSettings,
    private readonly notifications: NotificationActivitiesService,
  ) {}

  async feedStanding(input: Parameters<NoticeActivities['feedStanding']>[0]): Promise<void> {
    const contract = await this.db.getRepository(ContractEntity).findOneBy({ customerId: input.customerId });
    const { client, info } = Context.current();
    await client.workflow.signalWithStart<typeof customerStandingWorkflow, [StandingEventMessage]>(
      customerStandingWorkflow,
      {
        workflowId: standingWorkflowId(input.customerId),
        taskQueue: info.taskQueue,
        args: [
          {
            version: 1,
            customerId: input.customerId,
            policy: standingPolicyFor(contract?.policyProfile ?? this.settings.defaultPolicyProfile),
          },
        ],
        signal: standingEventSignal,
        signalArgs: [{ id: input.key, event: input.event }],
      },
    );
  }

  async loadStanding(input: { customerId: string }): Promise<{ verifiedMeasures: string[] }> {
    const measures = await this.db
      .getRepository(PreventiveMeasureEntity)
      .findBy({ customerId: input.customerId });
    return { verifiedMeasures: measures.filter((m) => m.verifiedAt !== null).map((m) => m.kind) };
  }

  async recordStanding(r: StandingRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [inserted] = (await tx.query(
        `INSERT INTO customer_standing_events
           (customer_id, type, actor, reason, data, level, previous_level, occurred_at, idempotency_key)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        [
          r.customerId,
          r.event?.type ?? 'window_moved',
          r.event && 'by' in r.event ? r.event.by : 'workflow',
          r.event && 'reason' in r.event ? r.event.reason : null,
          JSON.stringify({ event: r.event ?? null, counts: r.counts }),
          r.level,
          r.previousLevel,
          new Date(r.at),
          r.key,
        ],
      )) as unknown[];
      if (!inserted) return; // an earlier attempt wrote it
      await tx.query(
        `INSERT INTO customer_standings (customer_id, level, counts, event_count, policy_id, policy_version,
           termination_case_id, level_since, updated_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (customer_id) DO UPDATE SET
           level = EXCLUDED.level, counts = EXCLUDED.counts, event_count = EXCLUDED.event_count,
           policy_id = EXCLUDED.policy_id, policy_version = EXCLUDED.policy_version,
           termination_case_id = EXCLUDED.termination_case_id, updated_at = EXCLUDED.updated_at,
           level_since = CASE WHEN customer_standings.level = EXCLUDED.level
                              THEN customer_standings.level_since ELSE EXCLUDED.level_since END`,
        [
          r.customerId,
          r.level,
          JSON.stringify(r.counts),
          r.eventCount,
          r.policy.id,
          r.policy.version,
          r.terminationCaseId,
          new Date(r.at),
        ],
      );
      await auditWorkflowDecision(tx, {
        workflowId: standingWorkflowId(r.customerId),
        workflowType: 'customerStandingWorkflow',
        action: `standing.${r.event?.type ?? 'window_moved'}`,
        target: { type: 'customer', id: r.customerId },
        summary: {
          by: r.event && 'by' in r.event ? r.event.by : 'workflow',
          occurredAt: r.at,
          key: r.key,
          before: { level: r.previousLevel },
          after: { level: r.level, terminationCaseId: r.terminationCaseId },
          counts: r.counts,
          event: r.event ?? null,
        },
      });
    });
  }

  async sendStandingLetter(letter: StandingLetter): Promise<void> {
    const { customer, contacts } = await customerWithContacts(this.db, letter.customerId);
    const contract = await this.db.getRepository(ContractEntity).findOneBy({ customerId: customer.id });
    const facts = {
      customer: { name: customer.name, reference: customer.reference },
      level: letter.level,
      previousLevel: letter.previousLevel,
      counts: letter.counts,
      window: standingPolicyFor(contract?.policyProfile ?? this.settings.defaultPolicyProfile).window,
      reason: letter.reason,
    };
    await this.notifications.sendOnce(
      letter.key,
      contacts.map((c) => c.email),
      () => standingLetterEmail({ ...facts, language: customer.language }),
    );
    // A customer without an account manager: the abuse desk owns the relation then.
    await this.notifications.sendOnce(
      `${letter.key}:account-manager`,
      [customer.accountManagerEmail ?? this.settings.abuseDeskEmail],
      () => standingNoteEmail({ ...facts, customerId: customer.id }),
    );
    this.logger.log(
      { customer: customer.reference, level: letter.level, previous: letter.previousLevel, key: letter.key },
      'standing letter sent',
    );
  }

  async openTerminationCase(input: {
    caseId: string;
    customerId: string;
    openedBy: string;
    reason: string;
  }): Promise<{ caseId: string }> {
    await this.db.query(
      `INSERT INTO termination_cases (id, customer_id, opened_by, reason, workflow_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [input.caseId, input.customerId, input.openedBy, input.reason, terminationWorkflowId(input.caseId)],
    );
    // Either this case (inserted now or by an earlier attempt) or the customer's case that runs already.
    const [running] = (await this.db.query(
      `SELECT id, workflow_id FROM termination_cases
       WHERE id = $1 OR (customer_id = $2 AND status IN ('legal_review', 'notice_period', 'decommissioning'))
       ORDER BY (id = $1) DESC LIMIT 1`,
      [input.caseId, input.customerId],
    )) as { id: string; workflow_id: string }[];
    const { client, info } = Context.current();
    try {
      await client.workflow.start(terminationWorkflow, {
        workflowId: running.workflow_id,
        taskQueue: info.taskQueue,
        args: [{ version: 1, caseId: running.id, customerId: input.customerId }],
        // A case that ended is never run again by a late retry.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // a retry after the start
    }
    this.logger.log({ caseId: running.id, customerId: input.customerId }, 'termination case opened');
    return { caseId: running.id };
  }
}
