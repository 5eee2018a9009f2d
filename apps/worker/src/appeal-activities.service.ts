import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import { findAppeal, setAppealStatus } from '@takedown/persistence';
import type { AppealActivities, AppealStep } from '@takedown/workflows/appeal-activities';
import { appealWorkflowId } from '@takedown/workflows/appeal-messages';
import { auditWorkflowDecision } from './workflow-audit';

/**
 * An appeal's steps in PostgreSQL: its row, the timeline of the notice it contests and the timeline of the
 * termination case it contests (or, for a strike, the customer's case that runs), in one transaction, once per key.
 */
@Injectable()
export class AppealActivitiesService implements AppealActivities {
  private readonly logger = new Logger(AppealActivitiesService.name);

  constructor(private readonly db: DataSource) {}

  async recordAppealStep(step: AppealStep): Promise<void> {
    const appeal = await findAppeal(this.db, step.appealId);
    // Retried: the API starts the workflow inside the transaction that writes the row, which may not have committed.
    if (!appeal) throw new DomainError('APPEAL.NOT_FOUND', `appeal ${step.appealId} is not committed yet`);
    const data = {
      appealId: appeal.id,
      kind: appeal.kind,
      ...(step.status ? { status: step.status } : {}),
    };
    await this.db.transaction(async (tx) => {
      let written = false;
      if (appeal.noticeId) {
        const rows = (await tx.query(
          `INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
          [
            appeal.noticeId,
            step.type,
            step.actor,
            step.reason ?? null,
            JSON.stringify(data),
            new Date(step.at),
            step.key,
          ],
        )) as unknown[];
        written = rows.length > 0;
      }
      const [running] = appeal.caseId
        ? [{ id: appeal.caseId }]
        : appeal.customerId
          ? ((await tx.query(
              `SELECT id FROM termination_cases
                WHERE customer_id = $1 AND status IN ('legal_review', 'notice_period', 'decommissioning')`,
              [appeal.customerId],
            )) as { id: string }[])
          : [];
      if (running) {
        const rows = (await tx.query(
          `INSERT INTO termination_case_events (case_id, type, actor, reason, data, occurred_at, idempotency_key)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
          [
            running.id,
            step.type,
            step.actor,
            step.reason ?? null,
            JSON.stringify({ ...data, noticeId: appeal.noticeId }),
            new Date(step.at),
            `${step.key}:case`,
          ],
        )) as unknown[];
        written ||= rows.length > 0;
      }
      if (!written && (appeal.noticeId || running)) return; // an earlier attempt wrote it
      if (step.status) {
        await setAppealStatus(tx, {
          id: appeal.id,
          status: step.status,
          by: step.actor,
          reason: step.reason ?? null,
          at: new Date(step.at),
        });
      }
      await auditWorkflowDecision(tx, {
        workflowId: appealWorkflowId(appeal.id),
        workflowType: 'appealWorkflow',
        action: `appeal.${step.type}`,
        target: { type: 'appeal', id: appeal.id },
        summary: { by: step.actor, reason: step.reason, occurredAt: step.at, key: step.key, ...data },
      });
    });
    this.logger.log({ appealId: appeal.id, kind: appeal.kind, step: step.type }, 'appeal step recorded');
  }
}
