import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { actorLabel, DomainError, durationToMs, urlsFor, type Principal, type Role } from '@takedown/domain';
import {
  acknowledgeRemovalOrderPage,
  findRemovalOrder,
  holdRemovalOrder,
  insertRemovalOrder,
  insertSnapshot,
  latestSnapshot,
  listRemovalOrders,
  type RemovalOrderRow,
  type StoredSnapshot,
} from '@takedown/persistence';
import { contentDigest, orderCompletionRecord, sealOrderCompletion } from '@takedown/reports';
import {
  orderPagingWorkflow,
  orderPagingWorkflowId,
  pageAckSignal,
} from '@takedown/workflows/order-paging.workflow';
import { AppConfig } from '../app-config';
import type { CreateNoticeDto } from '../notices/notice.dto';
import { NoticesService } from '../notices/notices.service';
import { withTemporal } from '../temporal/notice-signal';
import { ReportKeys } from '../well-known/report-keys';
import type { CreateOrderDto, OrderListQuery, OrderPage, OrderView } from './order.dto';

const KIND = 'order_completion';

/** TCO Regulation Art. 6(1): removed content and its metadata are preserved for six months from the removal. */
const PRESERVATION_MONTHS = 6;

/** An order dated this far ahead of our clock is a typo, not clock skew. */
const ISSUED_AT_SKEW_MS = 5 * 60_000;

@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly config: AppConfig,
    private readonly notices: NoticesService,
    private readonly keys: ReportKeys,
  ) {}

  /**
   * Intake of a removal order: a terrorist_content notice (its policy gives the one-hour clock, the 24/7 contacts'
   * email and the NOC task at receipt) through the one notice intake, the order linked to it, and the on-call
   * person paged beside it. The same order twice (authority, member state, reference) is the same order and notice;
   * a retry after a failure (503) completes what the first attempt left.
   */
  async create(dto: CreateOrderDto, principal: Principal): Promise<{ order: OrderView; created: boolean }> {
    if (Date.parse(dto.issuedAt) > Date.now() + ISSUED_AT_SKEW_MS) {
      throw new DomainError('ORDER.INVALID', 'issuedAt lies in the future', 'issuedAt');
    }
    const notice: CreateNoticeDto = {
      source: { kind: 'police', name: dto.authority },
      sourceReference: `${dto.memberState}/${dto.reference}`,
      category: 'terrorist_content',
      urls: dto.urls,
      ...(dto.ip ? { ip: dto.ip } : {}),
      // The order's reasons stay with the order: the notice's text reaches people the order does not name.
      description: `Removal order ${dto.reference} (${dto.memberState})`,
    };
    const submitted = await this.notices.submit(notice);
    const stored = await insertRemovalOrder(this.db, {
      id: randomUUID(),
      noticeId: submitted.notice.id,
      authority: dto.authority,
      memberState: dto.memberState,
      reference: dto.reference,
      issuedAt: new Date(dto.issuedAt),
      receivedAt: submitted.created ? new Date(submitted.notice.receivedAt) : new Date(),
      urls: dto.urls,
      reasons: dto.reasons,
      contactPoint: dto.contactPoint,
      informProvider: dto.informProvider,
      receivedBy: actorLabel(principal.actor),
    });
    await this.startPaging(stored.id);
    this.logger.log(
      { orderId: stored.id, noticeId: submitted.notice.id, memberState: dto.memberState },
      stored.created ? 'removal order received' : 'removal order received again',
    );
    return { order: await this.get(stored.id, principal.roles), created: stored.created };
  }

  async list(query: OrderListQuery, roles: readonly Role[]): Promise<OrderPage> {
    const limit = query.limit ?? 50;
    const rows = await listRemovalOrders(this.db, { limit: limit + 1, after: decodeCursor(query.after) });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => orderView(r, roles)),
      next: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  async get(id: string, roles: readonly Role[]): Promise<OrderView> {
    const row = await findRemovalOrder(this.db, id);
    if (!row) throw new DomainError('ORDER.NOT_FOUND', `removal order ${id} does not exist`);
    return orderView(row, roles);
  }

  /** The on-call person took the page: stored first (the paging workflow reads it too), then the workflow told. */
  async acknowledgePage(id: string, principal: Principal): Promise<OrderView> {
    const by = actorLabel(principal.actor);
    if (!(await acknowledgeRemovalOrderPage(this.db, id, by))) {
      throw new DomainError('ORDER.NOT_FOUND', `removal order ${id} does not exist`);
    }
    await withTemporal(this.temporal, async () => {
      try {
        await this.temporal.workflow.getHandle(orderPagingWorkflowId(id)).signal(pageAckSignal, { by });
      } catch (err) {
        // Paging is off, or it already stopped: the acknowledgement stands in the database all the same.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    });
    return this.get(id, principal.roles);
  }

  /**
   * The completion record for the authority, once the order's notice is closed: a signed snapshot (kind
   * `order_completion`), the same bytes at every download until what it says changes (a reopened and closed notice).
   * Making it sets the preservation hold: six months from the close.
   */
  async completion(id: string, by: string): Promise<StoredSnapshot> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('report_snapshots'), hashtext($1))`, [id]);
      const row = await findRemovalOrder(tx, id);
      if (!row) throw new DomainError('ORDER.NOT_FOUND', `removal order ${id} does not exist`);
      if (row.noticeState !== 'closed' || !row.noticeClosedAt) {
        throw new DomainError(
          'ORDER.OPEN',
          'the order is not dealt with yet: its completion record is made once its notice is closed',
          undefined,
          undefined,
          row.noticeState,
        );
      }
      const preservedUntil = await holdRemovalOrder(tx, id, preservedFrom(row.noticeClosedAt));
      const snapshotId = randomUUID();
      const record = orderCompletionRecord({
        snapshotId,
        generatedAt: new Date(),
        provider: this.config.env.PROVIDER_NAME,
        order: row,
        notice: {
          id: row.noticeId,
          deadline: row.noticeDeadline,
          outcome: row.noticeOutcome,
          closedAt: row.noticeClosedAt,
          removedAt: row.noticeRemovedAt,
        },
        preservedUntil,
      });
      const contentSha256 = contentDigest(record);
      const latest = await latestSnapshot(tx, KIND, id);
      if (latest?.contentSha256 === contentSha256) return latest;
      const snapshot: StoredSnapshot = {
        id: snapshotId,
        kind: KIND,
        subjectId: id,
        createdAt: new Date(record.generatedAt),
        createdBy: by,
        contentSha256,
        ...(await sealOrderCompletion(record, this.keys.signingKey)),
      };
      await insertSnapshot(tx, snapshot);
      return snapshot;
    });
  }

  private async startPaging(orderId: string): Promise<void> {
    const env = this.config.env;
    if (!env.PAGING_WEBHOOK_URL) return;
    await withTemporal(this.temporal, async () => {
      try {
        await this.temporal.workflow.start(orderPagingWorkflow, {
          workflowId: orderPagingWorkflowId(orderId),
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          args: [{ version: 1, orderId, repeatEveryMs: durationToMs(env.PAGING_REPEAT_EVERY) }],
          // One paging run per order: the same order sent again after an acknowledgement pages nobody.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    });
  }
}

function orderView(r: RemovalOrderRow, roles: readonly Role[]): OrderView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: r.id,
    noticeId: r.noticeId,
    authority: r.authority,
    memberState: r.memberState,
    reference: r.reference,
    issuedAt: r.issuedAt.toISOString(),
    receivedAt: r.receivedAt.toISOString(),
    urls: urlsFor(roles, 'terrorist_content', r.urls),
    reasons: r.reasons,
    contactPoint: r.contactPoint,
    informProvider: r.informProvider,
    receivedBy: r.receivedBy,
    deadline: iso(r.noticeDeadline),
    state: r.noticeState,
    outcome: r.noticeOutcome,
    closedAt: iso(r.noticeClosedAt),
    paging: {
      sent: r.pagesSent,
      lastPagedAt: iso(r.lastPagedAt),
      acknowledgedAt: iso(r.pageAckedAt),
      acknowledgedBy: r.pageAckedBy,
    },
    // The hold retention applies: six months from the close, unless set otherwise.
    preserveUntil: iso(r.preserveUntil ?? (r.noticeClosedAt ? preservedFrom(r.noticeClosedAt) : null)),
    providerInformed: r.providerInformed,
    providerInformedAt: iso(r.providerInformedAt),
  };
}

function encodeCursor(r: RemovalOrderRow): string {
  return Buffer.from(`${r.receivedAt.toISOString()}|${r.id}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { receivedAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const receivedAt = new Date(at ?? '');
  if (Number.isNaN(receivedAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id ?? '')) {
    throw new DomainError('ORDER.INVALID', 'after is not a cursor this list gave', 'after');
  }
  return { receivedAt, id };
}

function preservedFrom(closedAt: Date): Date {
  const until = new Date(closedAt);
  until.setUTCMonth(until.getUTCMonth() + PRESERVATION_MONTHS);
  return until;
}
