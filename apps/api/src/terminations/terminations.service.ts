import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  actorLabel,
  DomainError,
  WITHDRAWABLE_STATUSES,
  type Principal,
  type TerminationStatus,
} from '@takedown/domain';
import { terminationWorkflowId, withdrawCaseSignal } from '@takedown/workflows/termination-messages';
import { terminationWorkflow } from '@takedown/workflows/termination.workflow';
import { AppConfig } from '../app-config';
import { recordAudit } from '@takedown/persistence';
import { signalCase } from '../temporal/case-signal';
import { withTemporal } from '../temporal/notice-signal';
import type {
  OpenTerminationDto,
  TerminationListQuery,
  TerminationPage,
  TerminationView,
  WithdrawTerminationDto,
} from './termination.dto';

interface CaseRow {
  id: string;
  customer_id: string;
  status: TerminationStatus;
  opened_by: string;
  reason: string;
  opened_at: Date;
  effective_at: Date | null;
  closed_at: Date | null;
}

/** Termination cases: opened by legal (or by a customer's standing), read, and withdrawn before decommissioning. */
@Injectable()
export class TerminationsService {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  /** The row and the workflow in one transaction: with Temporal down nothing is stored (503). */
  /** Opened by legal: the signed-in principal is who opened it, whatever a `by` in the body says. */
  async open(dto: OpenTerminationDto, principal: Principal): Promise<TerminationView> {
    const id = randomUUID();
    const by = actorLabel(principal.actor);
    await this.db.transaction(async (tx) => {
      const [customer] = (await tx.query(`SELECT status FROM customers WHERE id = $1`, [dto.customerId])) as {
        status: string;
      }[];
      if (!customer)
        throw new DomainError('CUSTOMER.UNKNOWN', `customer ${dto.customerId} does not exist`, 'customerId');
      if (customer.status === 'terminated') {
        throw new DomainError(
          'CUSTOMER.ALREADY_TERMINATED',
          `customer ${dto.customerId} is terminated already`,
        );
      }
      const inserted = (await tx.query(
        `INSERT INTO termination_cases (id, customer_id, opened_by, reason, workflow_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
        [id, dto.customerId, by, dto.reason, terminationWorkflowId(id)],
      )) as unknown[];
      if (!inserted.length) {
        throw new DomainError(
          'CASE.ALREADY_RUNNING',
          `customer ${dto.customerId} has a termination case running`,
        );
      }
      await withTemporal(this.temporal, async () => {
        try {
          await this.temporal.workflow.start(terminationWorkflow, {
            workflowId: terminationWorkflowId(id),
            taskQueue: this.config.env.TEMPORAL_TASK_QUEUE,
            args: [{ version: 1, caseId: id, customerId: dto.customerId }],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      });
      await recordAudit(tx, {
        action: 'termination.open',
        target: { type: 'termination', id },
        summary: {
          customerId: dto.customerId,
          before: { customerStatus: customer.status },
          after: { status: 'legal_review' },
          by,
          reason: dto.reason,
        },
      });
    });
    return this.get(id);
  }

  /** Newest first; a status or a customer narrows it. */
  async list(q: TerminationListQuery): Promise<TerminationPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status) where.push(`tc.status = $${params.push(q.status)}`);
    if (q.customer) where.push(`tc.customer_id = $${params.push(q.customer)}`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `SELECT tc.id, tc.customer_id, tc.status, tc.opened_by, tc.reason, tc.opened_at, tc.effective_at,
                tc.closed_at, c.reference AS customer_reference, c.name AS customer_name
         FROM termination_cases tc JOIN customers c ON c.id = tc.customer_id
         ${filter} ORDER BY tc.opened_at DESC, tc.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ) as Promise<(CaseRow & { customer_reference: string; customer_name: string })[]>,
      this.db.query(`SELECT count(*)::int AS total FROM termination_cases tc ${filter}`, params) as Promise<
        { total: number }[]
      >,
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id,
        customer: { id: r.customer_id, reference: r.customer_reference, name: r.customer_name },
        status: r.status,
        openedBy: r.opened_by,
        reason: r.reason,
        openedAt: r.opened_at.toISOString(),
        effectiveAt: r.effective_at?.toISOString() ?? null,
        closedAt: r.closed_at?.toISOString() ?? null,
      })),
      total,
      limit,
      offset,
    };
  }

  async get(id: string): Promise<TerminationView> {
    const row = await this.row(id);
    const events = (await this.db.query(
      `SELECT type, actor, reason, occurred_at, data FROM termination_case_events
       WHERE case_id = $1 ORDER BY occurred_at, id`,
      [id],
    )) as {
      type: string;
      actor: string;
      reason: string | null;
      occurred_at: Date;
      data: Record<string, unknown>;
    }[];
    return {
      id: row.id,
      customerId: row.customer_id,
      status: row.status,
      openedBy: row.opened_by,
      reason: row.reason,
      openedAt: row.opened_at.toISOString(),
      effectiveAt: row.effective_at?.toISOString() ?? null,
      closedAt: row.closed_at?.toISOString() ?? null,
      events: events.map((e) => ({
        type: e.type,
        actor: e.actor,
        reason: e.reason,
        at: e.occurred_at.toISOString(),
        data: e.data,
      })),
    };
  }

  /** Refused (409) once the NOC was asked to decommission; the workflow refuses it then too. */
  async withdraw(id: string, dto: WithdrawTerminationDto, principal: Principal): Promise<void> {
    const row = await this.row(id);
    if (!WITHDRAWABLE_STATUSES.includes(row.status)) {
      throw new DomainError(
        'CASE.ALREADY_' + row.status.toUpperCase(),
        `the case is ${row.status}: it can be withdrawn only during ${WITHDRAWABLE_STATUSES.join(' or ')}`,
      );
    }
    const by = actorLabel(principal.actor);
    await signalCase(this.temporal, id, withdrawCaseSignal, { by, reason: dto.reason });
    await recordAudit(this.db, {
      action: 'termination.withdraw',
      target: { type: 'termination', id },
      summary: {
        customerId: row.customer_id,
        before: { status: row.status },
        by,
        reason: dto.reason,
      },
    });
  }

  private async row(id: string): Promise<CaseRow> {
    const [row] = (await this.db.query(
      `SELECT id, customer_id, status, opened_by, reason, opened_at, effective_at, closed_at
       FROM termination_cases WHERE id = $1`,
      [id],
    )) as CaseRow[];
    if (!row) throw new DomainError('CASE.NOT_FOUND', `termination case ${id} does not exist`);
    return row;
  }
}
