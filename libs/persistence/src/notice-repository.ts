import type { DataSource, EntityManager } from 'typeorm';
import type { Category, NoticeState, Role, TaskAssignee, TaskKind } from '@takedown/domain';
import { attribute } from './attribution';
import { CustomerEntity } from './entities/customer.entity';
import { NoticeEntity } from './entities/notice.entity';
import { NoticeEventEntity } from './entities/notice-event.entity';
import { NoticeReportEntity } from './entities/notice-report.entity';
import { onlyVisibleNotices, sourceOnly, type NoticeScope } from './notice-scope';
import { searchKind, whereSearched } from './notice-search';

/** A report's identity: the same source reference twice is the same notice. */
export interface ReportKey {
  sourceKind: string;
  sourceName: string;
  sourceReference: string;
}

/** The list's filters, as the API took them (`assignee` already resolved from `me`). */
export interface NoticeFilter {
  q?: string;
  status?: NoticeState;
  category?: Category;
  customer?: string;
  source?: string;
  assignee?: string;
  overdue?: boolean;
  repeat?: boolean;
  customerReplied?: boolean;
  sort?: 'received_at' | '-received_at' | 'deadline' | '-deadline' | 'time_left';
  limit: number;
  offset: number;
}

/** What the intake finds under its URL locks: the report already known, else an open notice it joins. */
export interface IntakeMatch {
  known: string | null;
  open: { id: string; urls: string[] } | null;
}

export interface OpenNoticeTask {
  id: string;
  kind: TaskKind;
  assignee: TaskAssignee;
  dueAt: Date;
  summary: string;
}

export type NewNoticeEvent = Pick<
  NoticeEventEntity,
  'noticeId' | 'type' | 'actor' | 'reason' | 'data' | 'occurredAt' | 'idempotencyKey'
>;

/**
 * The API's reads and writes of notices and their reports and events. A write takes the transaction it is part of
 * (`tx`, from `transaction`); a read outside one uses the pool. An abstract class so that it is its own DI token and a
 * test can hand the services an in-memory one.
 */
export abstract class NoticeRepository {
  abstract transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T>;

  /** The intake's per-URL locks (`lockUrls`), held to the end of `tx`. */
  abstract lockUrls(tx: EntityManager, urls: string[]): Promise<void>;
  /** In one statement, after the locks: the report if known, else the oldest open notice of one of its URLs. */
  abstract intakeMatch(tx: EntityManager, report: ReportKey, urls: string[]): Promise<IntakeMatch>;
  abstract findReport(report: ReportKey): Promise<NoticeReportEntity | null>;
  /** Inserts a notice; returns its address as PostgreSQL writes it (`2001:DB8::0:1` reads back `2001:db8::1`). */
  abstract insertNotice(
    tx: EntityManager,
    row: Partial<NoticeEntity> & { id: string },
  ): Promise<Pick<NoticeEntity, 'ip' | 'state'>>;
  abstract insertReport(tx: EntityManager, row: Partial<NoticeReportEntity>): Promise<void>;
  abstract insertEvent(tx: EntityManager, event: NewNoticeEvent): Promise<void>;
  /** The customer holding `ip` at `at`, if any. */
  abstract customerAt(tx: EntityManager, ip: string, at: Date): Promise<string | null>;
  /** Locks the notice's row to the end of `tx` (`FOR UPDATE`); null when there is none. */
  abstract lockNotice(
    tx: EntityManager,
    id: string,
  ): Promise<Pick<NoticeEntity, 'state' | 'outcome' | 'assignedTo'> | null>;
  /** Sets the time to removal from the notice's `removed_at` (whole seconds since it was received, never negative). */
  abstract recordTimeToRemoval(tx: EntityManager, id: string): Promise<void>;
  abstract updateNotice(
    tx: EntityManager,
    id: string,
    patch: Partial<
      Pick<NoticeEntity, 'category' | 'state' | 'outcome' | 'closedAt' | 'assignedTo' | 'assignedToName'>
    >,
  ): Promise<void>;
  abstract customerExists(id: string): Promise<boolean>;

  /** The notice if the scope may see it (one it may not is as missing as one that does not exist). */
  abstract find(id: string, scope: NoticeScope): Promise<NoticeEntity | null>;
  /** `roles`: the reader's, for what a search may match. */
  abstract page(
    filter: NoticeFilter,
    scope: NoticeScope,
    roles: readonly Role[],
  ): Promise<{ rows: NoticeEntity[]; total: number }>;
  /** The other notices of the same host group that the scope may see, oldest first. */
  abstract linked(notice: Pick<NoticeEntity, 'id' | 'hostGroup'>, scope: NoticeScope): Promise<string[]>;
  abstract events(noticeId: string): Promise<NoticeEventEntity[]>;
  abstract reports(noticeId: string): Promise<NoticeReportEntity[]>;
  /** The reports of these notices by one source, for a source's view of a page of them. */
  abstract reportsBy(
    noticeIds: string[],
    source: { kind: string; name: string },
  ): Promise<NoticeReportEntity[]>;
  abstract openTasks(noticeId: string): Promise<OpenNoticeTask[]>;

  // The batch intake's set-based reads and writes (apps/api/src/notices/bulk-intake.service.ts).
  /** Many notices and their first reports, in two statements. */
  abstract insertMany(
    tx: EntityManager,
    rows: { notice: Partial<NoticeEntity>; report: Partial<NoticeReportEntity> }[],
  ): Promise<void>;
  /** Which of these reports are known already, and on which notice. */
  abstract knownReports(tx: EntityManager, keys: ReportKey[]): Promise<(ReportKey & { noticeId: string })[]>;
  /** The positions (in `urlSets`) of the sets of which an open notice covers a URL. */
  abstract openCovering(tx: EntityManager, urlSets: string[][]): Promise<Set<number>>;
  /** Takes notices whose workflow never started back out, with their reports. */
  abstract remove(tx: EntityManager, ids: string[]): Promise<void>;
  /** Those of these notices still `received` (their workflow may never have started). */
  abstract stillReceived(ids: string[]): Promise<Pick<NoticeEntity, 'id' | 'category' | 'receivedAt'>[]>;
}

/**
 * Takes the intake's per-URL locks, so that two reports of one URL never open two notices. One statement for all of
 * a notice's (or a batch's) URLs, in the order of the lock keys, so that two intakes never wait for each other in a
 * circle.
 */
export async function lockUrls(tx: EntityManager, urls: string[]): Promise<void> {
  if (!urls.length) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(key) FROM (SELECT DISTINCT hashtext(u) AS key FROM unnest($1::text[]) u ORDER BY key) keys`,
    [urls],
  );
}

export class PgNoticeRepository extends NoticeRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  lockUrls(tx: EntityManager, urls: string[]): Promise<void> {
    return lockUrls(tx, urls);
  }

  async intakeMatch(tx: EntityManager, report: ReportKey, urls: string[]): Promise<IntakeMatch> {
    // One statement (a statement's snapshot is taken when it starts, after the locks).
    const [found] = (await tx.query(
      `WITH open AS (SELECT id, urls FROM notices
                      WHERE urls && $4::text[] AND state NOT IN ('closed', 'needs_triage')
                      ORDER BY received_at LIMIT 1)
       SELECT (SELECT notice_id FROM notice_reports
                WHERE source_kind = $1 AND source_name = $2 AND source_reference = $3) AS known,
              (SELECT id FROM open) AS open, (SELECT urls FROM open) AS open_urls`,
      [report.sourceKind, report.sourceName, report.sourceReference, urls],
    )) as { known: string | null; open: string | null; open_urls: string[] | null }[];
    if (found.known || !found.open) return { known: found.known, open: null };
    return { known: null, open: { id: found.open, urls: found.open_urls ?? [] } };
  }

  findReport(report: ReportKey): Promise<NoticeReportEntity | null> {
    return this.db.manager.findOneBy(NoticeReportEntity, {
      sourceKind: report.sourceKind as NoticeReportEntity['sourceKind'],
      sourceName: report.sourceName,
      sourceReference: report.sourceReference,
    });
  }

  async insertNotice(
    tx: EntityManager,
    row: Partial<NoticeEntity> & { id: string },
  ): Promise<Pick<NoticeEntity, 'ip' | 'state'>> {
    const inserted = await tx
      .createQueryBuilder()
      .insert()
      .into(NoticeEntity)
      .values(row)
      .returning(['ip', 'state'])
      .execute();
    return (inserted.raw as Pick<NoticeEntity, 'ip' | 'state'>[])[0];
  }

  async insertReport(tx: EntityManager, row: Partial<NoticeReportEntity>): Promise<void> {
    await tx.insert(NoticeReportEntity, row);
  }

  async insertEvent(tx: EntityManager, event: NewNoticeEvent): Promise<void> {
    await tx.insert(NoticeEventEntity, event as object);
  }

  async customerAt(tx: EntityManager, ip: string, at: Date): Promise<string | null> {
    const found = await attribute(tx, ip, at);
    return found.status === 'attributed' ? found.customer.id : null;
  }

  async lockNotice(
    tx: EntityManager,
    id: string,
  ): Promise<Pick<NoticeEntity, 'state' | 'outcome' | 'assignedTo'> | null> {
    const [row] = (await tx.query(
      `SELECT state, outcome, assigned_to FROM notices WHERE id = $1 FOR UPDATE`,
      [id],
    )) as Pick<NoticeEntity, 'state' | 'outcome'>[] & { assigned_to: string | null }[];
    return row ? { state: row.state, outcome: row.outcome, assignedTo: row.assigned_to } : null;
  }

  async recordTimeToRemoval(tx: EntityManager, id: string): Promise<void> {
    await tx.query(
      `UPDATE notices SET time_to_removal_seconds = GREATEST(0, round(extract(epoch FROM removed_at - received_at)))::int WHERE id = $1`,
      [id],
    );
  }

  async updateNotice(
    tx: EntityManager,
    id: string,
    patch: Parameters<NoticeRepository['updateNotice']>[2],
  ): Promise<void> {
    await tx.update(NoticeEntity, { id }, patch);
  }

  customerExists(id: string): Promise<boolean> {
    return this.db.getRepository(CustomerEntity).existsBy({ id });
  }

  find(id: string, scope: NoticeScope): Promise<NoticeEntity | null> {
    return onlyVisibleNotices(
      this.db.getRepository(NoticeEntity).createQueryBuilder('n').where('n.id = :id', { id }),
      scope,
    ).getOne();
  }

  async page(
    q: NoticeFilter,
    scope: NoticeScope,
    roles: readonly Role[],
  ): Promise<{ rows: NoticeEntity[]; total: number }> {
    const found = await this.pageOnce(q, scope, roles, false);
    // A host name on no notice's URL may still be a fragment of one (`tenant.exam`): searched again as one.
    if (found.total === 0 && q.q !== undefined && searchKind(q.q).kind === 'host') {
      return this.pageOnce(q, scope, roles, true);
    }
    return found;
  }

  private async pageOnce(
    q: NoticeFilter,
    scope: NoticeScope,
    roles: readonly Role[],
    asFragment: boolean,
  ): Promise<{ rows: NoticeEntity[]; total: number }> {
    const qb = onlyVisibleNotices(this.db.getRepository(NoticeEntity).createQueryBuilder('n'), scope);
    if (q.q !== undefined) whereSearched(qb, q.q, roles, scope, asFragment);
    if (q.status) qb.andWhere('n.state = :status', { status: q.status });
    if (q.category) qb.andWhere('n.category = :category', { category: q.category });
    if (q.customer) qb.andWhere('n.customer_id = :customer', { customer: q.customer });
    if (q.source) {
      // A source's notices are those it reported: by another's name it would learn who else reported them.
      if (sourceOnly(scope)) qb.andWhere(q.source === scope.source.name ? 'true' : 'false');
      else qb.andWhere('n.source_name = :source', { source: q.source });
    }
    if (q.assignee) qb.andWhere('n.assigned_to = :assignee', { assignee: q.assignee });
    if (q.overdue === true) qb.andWhere(`n.state <> 'closed' AND n.deadline < now()`);
    if (q.overdue === false) qb.andWhere(`NOT (n.state <> 'closed' AND n.deadline < now())`);
    if (q.repeat !== undefined) qb.andWhere(`n.repeat_of IS ${q.repeat ? 'NOT ' : ''}NULL`);
    if (q.customerReplied !== undefined) {
      qb.andWhere(
        `${q.customerReplied ? '' : 'NOT '}EXISTS (SELECT 1 FROM notice_events e_r WHERE e_r.notice_id = n.id
           AND e_r.type IN ('removal_claimed', 'disputed'))`,
      );
    }
    const sort = q.sort ?? '-received_at';
    if (sort === 'time_left') {
      // As ix_notices_time_left holds them, so that a page of the queue is read in order from the index.
      qb.orderBy(`n.state = 'closed'`, 'ASC')
        .addOrderBy('n.deadline', 'ASC', 'NULLS LAST')
        .addOrderBy('n.receivedAt', 'ASC');
    } else {
      const column = sort.replace('-', '') === 'deadline' ? 'n.deadline' : 'n.receivedAt';
      qb.orderBy(column, sort.startsWith('-') ? 'DESC' : 'ASC', 'NULLS LAST');
    }
    qb.addOrderBy('n.id', 'ASC');
    const [rows, total] = await qb.take(q.limit).skip(q.offset).getManyAndCount();
    return { rows, total };
  }

  async linked(notice: Pick<NoticeEntity, 'id' | 'hostGroup'>, scope: NoticeScope): Promise<string[]> {
    const rows = await onlyVisibleNotices(
      this.db
        .getRepository(NoticeEntity)
        .createQueryBuilder('n')
        .select('n.id')
        .where('n.host_group = :group AND n.id <> :id', { group: notice.hostGroup, id: notice.id }),
      scope,
    )
      .orderBy('n.receivedAt')
      .addOrderBy('n.id')
      .getMany();
    return rows.map((r) => r.id);
  }

  events(noticeId: string): Promise<NoticeEventEntity[]> {
    return this.db
      .getRepository(NoticeEventEntity)
      .find({ where: { noticeId }, order: { occurredAt: 'ASC', id: 'ASC' } });
  }

  reports(noticeId: string): Promise<NoticeReportEntity[]> {
    return this.db.getRepository(NoticeReportEntity).find({ where: { noticeId }, order: { id: 'ASC' } });
  }

  reportsBy(noticeIds: string[], source: { kind: string; name: string }): Promise<NoticeReportEntity[]> {
    if (!noticeIds.length) return Promise.resolve([]);
    return this.db
      .getRepository(NoticeReportEntity)
      .createQueryBuilder('r')
      .where('r.notice_id = ANY(:ids) AND r.source_kind = :kind AND r.source_name = :name', {
        ids: noticeIds,
        kind: source.kind,
        name: source.name,
      })
      .orderBy('r.id')
      .getMany();
  }

  async openTasks(noticeId: string): Promise<OpenNoticeTask[]> {
    const rows = (await this.db.query(
      `SELECT id, kind, assignee, due_at, summary FROM tasks WHERE notice_id = $1 AND status = 'open' ORDER BY due_at`,
      [noticeId],
    )) as { id: string; kind: TaskKind; assignee: TaskAssignee; due_at: Date; summary: string }[];
    return rows.map((t) => ({
      id: t.id,
      kind: t.kind,
      assignee: t.assignee,
      dueAt: t.due_at,
      summary: t.summary,
    }));
  }

  async insertMany(
    tx: EntityManager,
    rows: { notice: Partial<NoticeEntity>; report: Partial<NoticeReportEntity> }[],
  ): Promise<void> {
    if (!rows.length) return;
    await tx.insert(
      NoticeEntity,
      rows.map((r) => r.notice),
    );
    await tx.insert(
      NoticeReportEntity,
      rows.map((r) => r.report),
    );
  }

  async knownReports(tx: EntityManager, keys: ReportKey[]): Promise<(ReportKey & { noticeId: string })[]> {
    if (!keys.length) return [];
    return (await tx.query(
      `SELECT r.source_kind AS "sourceKind", r.source_name AS "sourceName",
              r.source_reference AS "sourceReference", r.notice_id AS "noticeId"
         FROM notice_reports r
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(kind, name, ref)
           ON r.source_kind = k.kind AND r.source_name = k.name AND r.source_reference = k.ref`,
      [keys.map((k) => k.sourceKind), keys.map((k) => k.sourceName), keys.map((k) => k.sourceReference)],
    )) as (ReportKey & { noticeId: string })[];
  }

  async openCovering(tx: EntityManager, urlSets: string[][]): Promise<Set<number>> {
    const rows = (await tx.query(
      `SELECT DISTINCT k.pos - 1 AS pos
         FROM unnest($1::text[], $2::int[]) AS k(url, pos)
         JOIN notices n ON n.urls @> ARRAY[k.url] AND n.state NOT IN ('closed', 'needs_triage')`,
      [urlSets.flat(), urlSets.flatMap((urls, k) => urls.map(() => k + 1))],
    )) as { pos: number }[];
    return new Set(rows.map((r) => Number(r.pos)));
  }

  async remove(tx: EntityManager, ids: string[]): Promise<void> {
    await tx.query(`DELETE FROM notice_reports WHERE notice_id = ANY($1::uuid[])`, [ids]);
    await tx.query(`DELETE FROM notices WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async stillReceived(ids: string[]): Promise<Pick<NoticeEntity, 'id' | 'category' | 'receivedAt'>[]> {
    if (!ids.length) return [];
    return (await this.db.query(
      `SELECT id, category, received_at AS "receivedAt" FROM notices WHERE id = ANY($1::uuid[]) AND state = 'received'`,
      [ids],
    )) as Pick<NoticeEntity, 'id' | 'category' | 'receivedAt'>[];
  }
}
