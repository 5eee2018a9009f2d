import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, emptyCounts, standingPolicyFor, type StandingEvent } from '@takedown/domain';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import {
  standingEventSignal,
  standingWorkflowId,
  type StandingEventMessage,
} from '@takedown/workflows/standing-messages';
import { AppConfig } from '../app-config';
import { judgeMeasure, recordAudit } from '@takedown/persistence';
import { EVERYTHING, type Visibility } from '../auth/principal';
import { onlyVisibleCustomers } from '../auth/visibility';
import { withTemporal } from '../temporal/notice-signal';
import type { StandingEventDto, StandingView } from './standing.dto';

/** A customer's standing as its workflow keeps it in PostgreSQL, and the desk's findings passed on to it. */
@Injectable()
export class StandingService {
  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
  ) {}

  async get(customerId: string, visibility: Visibility = EVERYTHING): Promise<StandingView> {
    await this.customerExists(customerId, visibility);
    // The row and its events as of one moment: read apart, an event the workflow recorded between the two reads was
    // in the list and not in the count.
    return this.db.transaction('REPEATABLE READ', (tx) => this.read(tx, customerId));
  }

  private async read(db: EntityManager, customerId: string): Promise<StandingView> {
    const [row] = (await db.query(
      `SELECT level, counts, event_count, policy_id, policy_version, termination_case_id, level_since, updated_at
       FROM customer_standings WHERE customer_id = $1`,
      [customerId],
    )) as {
      level: StandingView['level'];
      counts: StandingView['counts'];
      event_count: number;
      policy_id: string;
      policy_version: number;
      termination_case_id: string | null;
      level_since: Date;
      updated_at: Date;
    }[];
    const events = (await db.query(
      `SELECT type, actor, reason, level, previous_level, occurred_at, data FROM customer_standing_events
       WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 50`,
      [customerId],
    )) as {
      type: string;
      actor: string;
      reason: string | null;
      level: StandingView['level'];
      previous_level: StandingView['level'];
      occurred_at: Date;
      data: Record<string, unknown>;
    }[];
    return {
      customerId,
      // No event yet: the standing workflow has not started, the customer is in good standing.
      level: row?.level ?? 'good',
      levelSince: row?.level_since.toISOString() ?? null,
      counts: row?.counts ?? emptyCounts(),
      eventCount: row?.event_count ?? 0,
      policy: row ? `${row.policy_id}@${row.policy_version}` : null,
      terminationCaseId: row?.termination_case_id ?? null,
      updatedAt: row?.updated_at.toISOString() ?? null,
      events: events.map((e) => ({
        type: e.type,
        actor: e.actor,
        reason: e.reason,
        level: e.level,
        previousLevel: e.previous_level,
        at: e.occurred_at.toISOString(),
        data: e.data,
      })),
    };
  }

  /**
   * Passes a desk finding on to the standing workflow, starting it if the customer has none yet. `by` is the signed-in
   * principal who found it.
   */
  async addEvent(customerId: string, dto: StandingEventDto, by: string, requestId: string): Promise<void> {
    await this.customerExists(customerId);
    const at = new Date().toISOString();
    const event: StandingEvent =
      dto.type === 'refusal' || dto.type === 'bad_faith'
        ? { type: dto.type, by, reason: dto.reason as string, at }
        : {
            type: 'measure',
            kind: dto.measure as string,
            status: dto.type === 'measure_verified' ? 'verified' : 'dropped',
            by,
            at,
          };
    // The customer record is the one list of measures the standing reads: the finding goes there first.
    if (event.type === 'measure') {
      await judgeMeasure(this.db, { customerId, kind: event.kind, verdict: event.status, by });
    }
    const [contract] = (await this.db.query(`SELECT policy_profile FROM contracts WHERE customer_id = $1`, [
      customerId,
    ])) as { policy_profile: string }[];
    const [standing] = (await this.db.query(`SELECT level FROM customer_standings WHERE customer_id = $1`, [
      customerId,
    ])) as { level: string }[];
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
          signalArgs: [{ id: `desk:${requestId}`, event }],
        },
      ),
    );
    // The workflow records the level it leads to (workflow.standing.* rows); this is the desk's finding.
    await recordAudit(this.db, {
      action: 'standing.event',
      target: { type: 'customer', id: customerId },
      summary: { before: { level: standing?.level ?? 'good' }, event, signalId: `desk:${requestId}` },
    });
  }

  /** An account manager asking about another's customer is told it does not exist. */
  private async customerExists(id: string, visibility: Visibility = EVERYTHING): Promise<void> {
    const found = await onlyVisibleCustomers(
      this.db.createQueryBuilder().select('1').from('customers', 'c').where('c.id = :id', { id }),
      visibility,
    ).getRawOne();
    if (!found) throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`);
  }
}
