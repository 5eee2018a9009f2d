import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError, standingPolicyFor, type StandingEvent } from '@takedown/domain';
import {
  declareMeasure,
  judgeMeasure,
  listMeasures,
  recordAudit,
  type PreventiveMeasure,
} from '@takedown/persistence';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import {
  standingEventSignal,
  standingWorkflowId,
  type StandingEventMessage,
} from '@takedown/workflows/standing-messages';
import { AppConfig } from '../app-config';
import { EVERYTHING, type Visibility } from '../auth/principal';
import { onlyVisibleCustomers } from '../auth/visibility';
import { withTemporal } from '../temporal/notice-signal';
import type { MeasureView } from './measure.dto';

/**
 * Preventive measures with evidence: the customer declares, the desk verifies or rejects. The record in
 * `customer_preventive_measures` is the one the standing workflow reads at each evaluation; a verdict also tells
 * the standing, so that the level follows at once rather than at the next notice.
 */
@Injectable()
export class MeasuresService {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  async list(customerId: string, visibility: Visibility = EVERYTHING): Promise<MeasureView[]> {
    await this.customerExists(customerId, visibility);
    return (await listMeasures(this.db, customerId)).map(measureView);
  }

  async declare(
    customerId: string,
    input: { kind: string; evidence: string; date: string },
    by: string,
  ): Promise<MeasureView> {
    await this.customerExists(customerId);
    const declared = await declareMeasure(this.db, {
      customerId,
      kind: input.kind,
      evidence: input.evidence,
      evidenceDate: input.date,
      by,
    });
    await recordAudit(this.db, {
      action: 'measure.declare',
      target: { type: 'customer', id: customerId },
      summary: { kind: input.kind, evidenceDate: input.date },
    });
    return measureView(declared);
  }

  async judge(
    customerId: string,
    kind: string,
    verdict: 'verified' | 'rejected',
    by: string,
    reason?: string,
  ): Promise<MeasureView> {
    await this.customerExists(customerId);
    const judged = await this.db.transaction(async (tx) => {
      const m = await judgeMeasure(tx, { customerId, kind, verdict, by, reason });
      await recordAudit(tx, {
        action: `measure.${verdict === 'verified' ? 'verify' : 'reject'}`,
        target: { type: 'customer', id: customerId },
        summary: { kind, ...(reason ? { reason } : {}) },
      });
      return m;
    });
    await this.tellStanding(customerId, {
      type: 'measure',
      kind,
      status: verdict === 'verified' ? 'verified' : 'dropped',
      by,
      at: new Date().toISOString(),
    });
    return measureView(judged);
  }

  /** Starts the customer's standing workflow if it has none yet, as the desk's findings do. */
  private async tellStanding(customerId: string, event: StandingEvent): Promise<void> {
    const [contract] = (await this.db.query(`SELECT policy_profile FROM contracts WHERE customer_id = $1`, [
      customerId,
    ])) as { policy_profile: string }[];
    await withTemporal(this.temporal, () =>
      this.temporal.workflow.signalWithStart<typeof customerStandingWorkflow, [StandingEventMessage]>(
        customerStandingWorkflow,
        {
          workflowId: standingWorkflowId(customerId),
          taskQueue: this.config.env.TEMPORAL_TASK_QUEUE,
          args: [
            {
              version: 1,
              customerId,
              policy: standingPolicyFor(contract?.policy_profile ?? this.config.env.POLICY_PROFILE),
            },
          ],
          signal: standingEventSignal,
          signalArgs: [{ id: `measure:${randomUUID()}`, event }],
        },
      ),
    );
  }

  private async customerExists(id: string, visibility: Visibility = EVERYTHING): Promise<void> {
    const found = await onlyVisibleCustomers(
      this.db.createQueryBuilder().select('1').from('customers', 'c').where('c.id = :id', { id }),
      visibility,
    ).getRawOne();
    if (!found) throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`);
  }
}

export function measureView(m: PreventiveMeasure): MeasureView {
  return {
    kind: m.kind,
    status: m.status,
    evidence: m.evidence,
    evidenceDate: m.evidenceDate,
    declaredAt: m.declaredAt.toISOString(),
    declaredBy: m.declaredBy,
    verifiedAt: m.verifiedAt?.toISOString() ?? null,
    verifiedBy: m.verifiedBy,
    rejectedAt: m.rejectedAt?.toISOString() ?? null,
    rejectionReason: m.rejectionReason,
  };
}
