import { Injectable, Optional } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { DataSource, type EntityManager } from 'typeorm';
import { deadlineAt, notifierKind, timersFor, type CategoryPolicy, type SourceKind } from '@takedown/domain';
import {
  ContractEntity,
  CustomerEntity,
  NoticeEntity,
  NoticeEventEntity,
  PgNoticeRepository,
  PgTaskRepository,
  PolicyEntity,
  appendAudit,
  appendAuditMany,
  attribute,
  awaitNoticeIntake,
  flagListedNotices,
  type Attribution,
  type AuditEntry,
  policyInForce,
} from '@takedown/persistence';
import type {
  AttributeInput,
  AttributionResult,
  NoticeActivities,
  ReceiveNotice,
  ResellerInvolved,
  TimelineEvent,
} from '@takedown/workflows/activities';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { CustomerWebhooks } from './customer-webhooks';
import { markRepeat, type RepeatFound } from './repeats';
import { StandingActivitiesService } from './standing-activities.service';
import { WorkerSettings } from './worker-settings';
import { workflowDecisionEntry } from './workflow-audit';

/**
 * The notice workflow's own activities: its timeline and its attribution. Each one is idempotent: a retry after a
 * crash writes the same event once and attributes to the same customer and policy.
 */
@Injectable()
export class NoticeActivitiesService implements Pick<
  NoticeActivities,
  'recordEvent' | 'attributeNotice' | 'receiveNotice'
> {
  constructor(
    private readonly db: DataSource,
    private readonly settings: WorkerSettings,
    @Optional() private readonly customerWebhooks?: CustomerWebhooks,
    @Optional() private readonly standing?: StandingActivitiesService,
  ) {
    this.notices = new PgNoticeRepository(db);
    this.tasks = new PgTaskRepository(db);
  }

  private readonly notices: PgNoticeRepository;
  private readonly tasks: PgTaskRepository;

  async recordEvent(event: TimelineEvent): Promise<void> {
    try {
      await this.record(event);
    } catch (err) {
      throw orphaned(err, event) ?? err;
    }
    // The workflow escalates on its own only when the deadline passed (the desk's escalate-now names the desk).
    if (event.type === 'escalated' && event.actor === 'workflow') {
      await this.customerWebhooks?.enqueue(event.noticeId, 'notice.deadline_passed', `${event.key}:webhook`);
    }
  }

  private async record(event: TimelineEvent): Promise<void> {
    await this.db.transaction((tx) => this.recordIn(tx, event));
  }

  /** Writes the event once (by its key), keeps the notice row in step, and appends the audit row. */
  private async recordIn(tx: EntityManager, event: TimelineEvent): Promise<void> {
    // First, before this transaction holds a lock: a completion's own request may still hold the task's row.
    if (event.type === 'task_completed') await this.completeTaskRow(tx, event);
    if (!(await this.insertEvent(tx, event))) return; // already recorded by an earlier attempt
    const before = await this.notices.lockNotice(tx, event.noticeId);
    const removedAt = event.removedAt ? new Date(event.removedAt) : undefined;
    await tx.update(
      NoticeEntity,
      { id: event.noticeId },
      { ...rowChange(event), ...(removedAt ? { removedAt } : {}) },
    );
    if (removedAt) await this.notices.recordTimeToRemoval(tx, event.noticeId);
    await appendAudit(tx, eventAudit(event, before));
  }

  /**
   * The task's row follows a completion the workflow took. The API completes the row in the transaction that hands
   * the completion to the workflow, so the row is normally completed already (this waits for that transaction, and
   * then changes nothing). But a request whose wait for the workflow ran out answered 503 and rolled the row back
   * while the engine kept the completion and carried it out later: the row stayed open, and the workflow's next step
   * cancelled it, a task shown as cancelled that the timeline says was completed. Only a row still open changes.
   */
  private async completeTaskRow(tx: EntityManager, event: TimelineEvent): Promise<void> {
    const data = (event.data ?? {}) as { taskId?: unknown; outcome?: unknown };
    if (typeof data.taskId !== 'string' || typeof data.outcome !== 'string') return;
    await this.tasks.complete(tx, data.taskId, {
      outcome: data.outcome,
      by: event.actor,
      note: event.reason ?? null,
      data: {},
    });
  }

  /** The event's row, unless its key is there already; whether it was inserted. */
  private async insertEvent(tx: EntityManager, event: TimelineEvent): Promise<boolean> {
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
    return (inserted.raw as unknown[]).length > 0;
  }

  async attributeNotice(input: AttributeInput): Promise<AttributionResult> {
    const { result, repeat } = await this.db.transaction((tx) => this.attributeIn(tx, input));
    await this.feedRepeat(repeat);
    return result;
  }

  /** After the commit: the standing hears of a repeat once (by its key), however often this activity runs. */
  private async feedRepeat(repeat: RepeatFound | null): Promise<void> {
    if (repeat && this.standing) await this.standing.feedStanding(repeat);
  }

  /**
   * A new notice's first steps in one transaction: its `received` event, its attribution and pinned policy, and the
   * `attributed` (or `unattributed`) event, with their audit rows. What `recordEvent`, `attributeNotice` and
   * `recordEvent` did one after the other; the same rows, keys and audit entries.
   */
  async receiveNotice(input: ReceiveNotice): Promise<AttributionResult> {
    const received: TimelineEvent = {
      noticeId: input.noticeId,
      key: input.receivedKey,
      type: 'received',
      actor: 'workflow',
      data: { category: input.category },
      at: input.at,
      state: 'received',
    };
    try {
      const { result, repeat } = await this.db.transaction(async (tx) => {
        // Run by the worker as soon as the workflow starts: the intake that started it may not have committed yet.
        await awaitNoticeIntake(tx, input.noticeId);
        const recorded: { event: TimelineEvent; before: RowState }[] = [];
        if (await this.insertEvent(tx, received))
          recorded.push({ event: received, before: await this.notices.lockNotice(tx, input.noticeId) });
        const found = await this.attributionOf(tx, input);
        const { customer, policy } = found.result;
        const type = customer ? 'attributed' : 'unattributed';
        const attributed: TimelineEvent = {
          noticeId: input.noticeId,
          key: `${input.attributionKeyPrefix}${type}`,
          type,
          actor: 'workflow',
          data: customer
            ? { customerId: customer.id, policy: `${policy.id}@${policy.version}` }
            : { policy: `${policy.id}@${policy.version}` },
          at: input.at,
          state: type,
        };
        if (await this.insertEvent(tx, attributed)) {
          const last = recorded.at(-1);
          recorded.push({
            event: attributed,
            before: last ? afterEvent(last.event) : await this.notices.lockNotice(tx, input.noticeId),
          });
        }
        // One new version of the notice row for the receipt, the attribution and its state, where recording each step
        // on its own wrote three (each a write to every index of the table, and a run of its triggers).
        await tx.update(
          NoticeEntity,
          { id: input.noticeId },
          Object.assign({}, found.change, ...recorded.map((r) => rowChange(r.event))),
        );
        const repeat = await this.afterAttribution(tx, found);
        // The audit rows last: the audit chain's lock is held from a transaction's first row to its commit, and every
        // audited write waits for it meanwhile.
        await appendAuditMany(
          tx,
          recorded.map((r) => eventAudit(r.event, r.before)),
        );
        return { result: found.result, repeat };
      });
      await this.feedRepeat(repeat);
      return result;
    } catch (err) {
      throw orphaned(err, received) ?? err;
    }
  }

  private async attributeIn(
    tx: EntityManager,
    input: AttributeInput,
  ): Promise<{ result: AttributionResult; repeat: RepeatFound | null }> {
    const found = await this.attributionOf(tx, input);
    await tx.update(NoticeEntity, { id: input.noticeId }, found.change);
    return { result: found.result, repeat: await this.afterAttribution(tx, found) };
  }

  /** Who holds the notice's address, under which policy and deadline: read, not yet written to the notice. */
  private async attributionOf(tx: EntityManager, input: AttributeInput): Promise<Attributed> {
    const notice = await tx.findOneBy(NoticeEntity, { id: input.noticeId });
    if (!notice)
      throw ApplicationFailure.nonRetryable(`notice ${input.noticeId} does not exist`, 'NOTICE.NOT_FOUND');
    // The chain of every prefix holding the address when the material was seen, most specific first.
    const found = notice.ip ? await attribute(tx, notice.ip, notice.observedAt ?? notice.receivedAt) : null;
    const holderId = found?.status === 'attributed' ? found.customer.id : null;
    const customer = input.customerId
      ? await tx.findOneBy(CustomerEntity, { id: input.customerId })
      : holderId
        ? await tx.findOneBy(CustomerEntity, { id: holderId })
        : null;
    if (input.customerId && !customer) {
      throw ApplicationFailure.nonRetryable(
        `customer ${input.customerId} does not exist`,
        'CUSTOMER.NOT_FOUND',
      );
    }
    const contract = customer ? await tx.findOneBy(ContractEntity, { customerId: customer.id }) : null;
    const policy = await this.policyInForce(
      tx,
      contract?.policyProfile ?? this.settings.defaultPolicyProfile,
      notice.receivedAt,
    );
    // A contract's own profile written before a category existed has no timers for it: the `other` ones hold.
    // Who sent it decides the clock where the policy says so (trusted flaggers, authorities).
    const timers: CategoryPolicy = timersFor(
      policy.categories[input.category] ?? policy.categories.other,
      notifierKind(notice.sourceKind as SourceKind, false),
    );
    const deadline = new Date(deadlineAt(timers, notice.receivedAt.getTime()));
    const reseller = customer && found ? await resellerOf(tx, found, customer.id) : null;
    return {
      notice,
      customerId: customer?.id ?? null,
      repeatWeight: timers.repeatWeight ?? 1,
      change: {
        customerId: customer?.id ?? null,
        resellerId: reseller?.id ?? null,
        resellerMode: reseller?.mode ?? null,
        policyId: policy.id,
        policyVersion: policy.version,
        deadline,
      },
      result: {
        customer: customer ? { id: customer.id, reference: customer.reference, name: customer.name } : null,
        policy: { id: policy.id, version: policy.version, timers },
        deadline: deadline.toISOString(),
        ...(reseller ? { reseller } : {}),
      },
    };
  }

  /** Once the attribution is written: a repeat of a closed notice of the same customer, and a listed hash. */
  private async afterAttribution(tx: EntityManager, found: Attributed): Promise<RepeatFound | null> {
    const repeat = found.customerId
      ? await markRepeat(tx, found.notice, found.customerId, found.repeatWeight)
      : null;
    // A notice that reports no hash cannot be on a list: most do not, and they need no statement for it.
    if (Object.keys(found.notice.hashes).length > 0) await flagListedNotices(tx, 'workflow', found.notice.id);
    return repeat;
  }

  /** The newest version of the profile that was in force when the notice arrived; `default` if the profile is unknown. */
  private async policyInForce(tx: EntityManager, profile: string, receivedAt: Date): Promise<PolicyEntity> {
    const policy = await policyInForce(tx, profile, receivedAt, 'default');
    if (policy) return policy;
    throw ApplicationFailure.nonRetryable(
      'no timer policy is stored (migrations not run?)',
      'POLICY.NOT_FOUND',
    );
  }
}

/** A notice row's state and outcome, as `lockNotice` reads them (null: no row). */
type RowState = Pick<NoticeEntity, 'state' | 'outcome'> | null;

/** An attribution read and not yet written: the notice as read, and the change to its row. */
interface Attributed {
  notice: NoticeEntity;
  customerId: string | null;
  repeatWeight: number;
  change: Pick<
    NoticeEntity,
    'customerId' | 'resellerId' | 'resellerMode' | 'policyId' | 'policyVersion' | 'deadline'
  >;
  result: AttributionResult;
}

/** What an event changes in its notice's row (its time to removal aside). */
function rowChange(event: TimelineEvent): Partial<NoticeEntity> {
  return {
    ...(event.state ? { state: event.state } : {}),
    ...(event.deadline ? { deadline: new Date(event.deadline) } : {}),
    ...(event.state === 'closed' ? { outcome: event.outcome ?? null, closedAt: new Date(event.at) } : {}),
    ...(event.state && event.state !== 'closed' ? { outcome: null, closedAt: null } : {}),
  };
}

/** The notice's state and outcome once `event` is recorded: an event with a state. */
function afterEvent(event: TimelineEvent): RowState {
  return {
    state: event.state as NonNullable<TimelineEvent['state']>,
    outcome: event.state === 'closed' ? (event.outcome ?? null) : null,
  };
}

/** The audit row of a recorded event, `before` being the notice's state and outcome before it. */
function eventAudit(event: TimelineEvent, before: RowState): AuditEntry {
  return workflowDecisionEntry({
    workflowId: noticeWorkflowId(event.noticeId),
    workflowType: 'noticeWorkflow',
    action: `notice.${event.type}`,
    target: { type: 'notice', id: event.noticeId },
    summary: {
      by: event.actor,
      reason: event.reason,
      occurredAt: event.at,
      key: event.key,
      ...(event.state
        ? { before: { state: before?.state, outcome: before?.outcome }, after: afterEvent(event) }
        : {}),
      deadline: event.deadline,
      data: event.data,
    },
  });
}

/**
 * The reseller involved in a notice for `customerId`: the nearest reseller above the customer's link in the chain of
 * prefixes holding the address (a reseller's /24 around its end customer's /26), with its contract's mode now, at
 * receipt. A reseller whose contract leaves it out, or one that is terminated, is not involved.
 */
async function resellerOf(
  tx: EntityManager,
  found: Attribution,
  customerId: string,
): Promise<ResellerInvolved | null> {
  if (found.status !== 'attributed') return null;
  const own = found.chain.findIndex((l) => l.customer.id === customerId);
  if (own < 0) return null;
  const link = found.chain
    .slice(own + 1)
    .find((l) => l.customer.contractType === 'reseller' && l.customer.id !== customerId);
  if (!link || link.customer.status === 'terminated') return null;
  const contract = await tx.findOneBy(ContractEntity, { customerId: link.customer.id });
  if (!contract || contract.resellerMode === 'none') return null;
  const { id, reference, name } = link.customer;
  return contract.resellerMode === 'act_first'
    ? { id, reference, name, mode: 'act_first', actFirstMinutes: contract.actFirstMinutes ?? undefined }
    : { id, reference, name, mode: 'informed' };
}

/** How long after its workflow started a notice's row may still be on its way: intake commits after the start. */
const ORPHAN_AFTER_MS = 60_000;

/**
 * Intake starts the workflow inside the transaction that stores the notice; when that transaction does not commit
 * (the API killed, PostgreSQL gone at the commit) the workflow runs for a notice that does not exist, and the client
 * retries with the same source reference and gets a new notice. Such a workflow ends here, failed with
 * NOTICE.NOT_FOUND, instead of retrying its first step for ever. Young workflows keep retrying: their row may
 * simply not be committed yet.
 */
function orphaned(err: unknown, event: TimelineEvent): ApplicationFailure | null {
  const driver = (err as { driverError?: { code?: string; table?: string } }).driverError;
  if (driver?.code !== '23503' || driver.table !== 'notice_events') return null;
  if (Date.now() - Date.parse(event.at) < ORPHAN_AFTER_MS) return null;
  return ApplicationFailure.nonRetryable(
    `notice ${event.noticeId} does not exist: the intake that started this workflow did not commit`,
    'NOTICE.NOT_FOUND',
  );
}
