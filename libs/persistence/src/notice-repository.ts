import type { DataSource, EntityManager } from 'typeorm';
import type { Category, NoticeState, Role, TaskAssignee, TaskKind } from '@takedown/domain';
import { attribute } from './attribution';
import { CustomerEntity } from './entities/customer.entity';
import { NoticeEntity } from './entities/notice.entity';
import { NoticeEventEntity } from './entities/notice-event.entity';
import { NoticeReportEntity } from './entities/notice-report.entity';
import { sourceOnly, visibleNoticesCondition, type NoticeScope } from './notice-scope';
import { searchCondition, searchKind } from './notice-search';
import { poolQuery, SqlParams, statementName } from './pool-query';

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
  /** With what its workflow's start needs: a batch commits its notices before it starts their workflows. */
  open: { id: string; urls: string[]; state: NoticeState; category: Category; receivedAt: Date } | null;
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

/** What a list of notices reads of each: what its summaries and a source's view of it show. */
export type NoticeListRow = Pick<
  NoticeEntity,
  | 'id'
  | 'sourceKind'
  | 'sourceName'
  | 'sourceReference'
  | 'category'
  | 'urls'
  | 'ip'
  | 'customerId'
  | 'state'
  | 'outcome'
  | 'receivedAt'
  | 'deadline'
  | 'closedAt'
  | 'timeToRemovalSeconds'
  | 'policyId'
  | 'policyVersion'
  | 'workflowId'
  | 'assignedTo'
  | 'assignedToName'
>;

/** One notice with what its page shows: its timeline, its reports, its open tasks and the notices linked to it. */
export interface NoticeDetail {
  notice: NoticeEntity;
  events: Pick<NoticeEventEntity, 'type' | 'actor' | 'reason' | 'data' | 'occurredAt'>[];
  reports: Pick<
    NoticeReportEntity,
    | 'sourceKind'
    | 'sourceName'
    | 'sourceReference'
    | 'receivedAt'
    | 'designationReference'
    | 'designatingAuthority'
  >[];
  tasks: OpenNoticeTask[];
  /** The other notices of its host group that the scope may see, oldest first (`linked`). */
  linked: string[];
}

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
  /** `find` with its timeline, reports, open tasks and linked notices; null as `find`. */
  async detail(id: string, scope: NoticeScope): Promise<NoticeDetail | null> {
    const notice = await this.find(id, scope);
    if (!notice) return null;
    const [events, reports, tasks, linked] = await Promise.all([
      this.events(id),
      this.reports(id),
      this.openTasks(id),
      notice.hostGroup ? this.linked(notice, scope) : [],
    ]);
    return { notice, events, reports, tasks, linked };
  }
  /** `roles`: the reader's, for what a search may match. */
  abstract page(
    filter: NoticeFilter,
    scope: NoticeScope,
    roles: readonly Role[],
  ): Promise<{ rows: NoticeListRow[]; total: number }>;
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

/**
 * A new notice's intake and its workflow's first step. Intake starts the workflow inside the transaction that stores
 * the notice, so the worker can reach the notice before that transaction commits and find no row. The intake holds
 * this lock from its insert to its commit (or rollback); the first step takes it shared before it reads, and so runs
 * when the intake is done instead of failing and trying again a second later. Namespaced by the two-key form.
 */
const INTAKE_LOCK = `hashtext('notice_intake'), hashtext($1)`;

/** The intake's side: held until the transaction ends. */
async function holdNoticeIntake(tx: EntityManager, noticeId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${INTAKE_LOCK})`, [noticeId]);
}

/** The first step's side: waits for an intake of this notice that has not ended, then holds nothing it needs. */
export async function awaitNoticeIntake(tx: EntityManager, noticeId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock_shared(${INTAKE_LOCK})`, [noticeId]);
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
      `WITH open AS (SELECT id, urls, state, category, received_at FROM notices
                      WHERE urls && $4::text[] AND state NOT IN ('closed', 'needs_triage')
                      ORDER BY received_at LIMIT 1)
       SELECT (SELECT notice_id FROM notice_reports
                WHERE source_kind = $1 AND source_name = $2 AND source_reference = $3) AS known,
              open.id AS open, open.urls AS open_urls, open.state, open.category, open.received_at
       FROM (SELECT 1) one LEFT JOIN open ON true`,
      [report.sourceKind, report.sourceName, report.sourceReference, urls],
    )) as {
      known: string | null;
      open: string | null;
      open_urls: string[] | null;
      state: NoticeState;
      category: Category;
      received_at: Date;
    }[];
    if (found.known || !found.open) return { known: found.known, open: null };
    return {
      known: null,
      open: {
        id: found.open,
        urls: found.open_urls ?? [],
        state: found.state,
        category: found.category,
        receivedAt: found.received_at,
      },
    };
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
    await holdNoticeIntake(tx, row.id);
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
    return this.detailOrFind(id, scope, false) as Promise<NoticeEntity | null>;
  }

  override async detail(id: string, scope: NoticeScope): Promise<NoticeDetail | null> {
    return this.detailOrFind(id, scope, true) as Promise<NoticeDetail | null>;
  }

  /**
   * The notice and, with `withParts`, its timeline, reports, open tasks and linked notices: one statement, one round
   * trip (the parts as JSON, their times as ISO strings, so that they read back as the entities' would).
   */
  private async detailOrFind(
    id: string,
    scope: NoticeScope,
    withParts: boolean,
  ): Promise<NoticeEntity | NoticeDetail | null> {
    const p = new SqlParams();
    const idRef = p.ref('id', id);
    const visible = (alias: string) => {
      const condition = visibleNoticesCondition(scope, alias, p.ref);
      return condition ? ` AND ${condition}` : '';
    };
    const parts = withParts
      ? `,
        (SELECT coalesce(json_agg(json_build_object('type', e.type, 'actor', e.actor, 'reason', e.reason,
                  'data', e.data, 'occurredAt', ${iso('e.occurred_at')}) ORDER BY e.occurred_at, e.id), '[]')
           FROM notice_events e WHERE e.notice_id = n.id) AS "_events",
        (SELECT coalesce(json_agg(json_build_object('sourceKind', r.source_kind, 'sourceName', r.source_name,
                  'sourceReference', r.source_reference, 'receivedAt', ${iso('r.received_at')},
                  'designationReference', r.designation_reference,
                  'designatingAuthority', r.designating_authority) ORDER BY r.id), '[]')
           FROM notice_reports r WHERE r.notice_id = n.id) AS "_reports",
        (SELECT coalesce(json_agg(json_build_object('id', t.id, 'kind', t.kind, 'assignee', t.assignee,
                  'dueAt', ${iso('t.due_at')}, 'summary', t.summary) ORDER BY t.due_at), '[]')
           FROM tasks t WHERE t.notice_id = n.id AND t.status = 'open') AS "_tasks",
        CASE WHEN n.host_group IS NULL THEN '[]'::json ELSE
          (SELECT coalesce(json_agg(l.id ORDER BY l.received_at, l.id), '[]') FROM notices l
            WHERE l.host_group = n.host_group AND l.id <> n.id${visible('l')}) END AS "_linked"`
      : '';
    const text = `SELECT ${this.noticeColumns()}${parts} FROM notices n WHERE n.id = ${idRef}${visible('n')}`;
    const [row] = await poolQuery<NoticeEntity & Partial<DetailParts>>(this.db, {
      name: statementName('notice_detail', text),
      text,
      values: p.values,
    });
    if (!row) return null;
    if (!withParts) return row;
    const { _events, _reports, _tasks, _linked, ...notice } = row as NoticeEntity & DetailParts;
    return {
      notice: notice as NoticeEntity,
      events: _events.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })),
      reports: _reports.map((r) => ({ ...r, receivedAt: new Date(r.receivedAt) })),
      tasks: _tasks.map((t) => ({ ...t, dueAt: new Date(t.dueAt) })),
      linked: _linked,
    };
  }

  /** Every column of a notice as its entity names it (`n.source_kind AS "sourceKind"`), read once from the mapping. */
  private noticeColumns(): string {
    this.columns ??= this.db
      .getMetadata(NoticeEntity)
      .columns.map((c) => `n.${c.databaseName} AS "${c.propertyName}"`)
      .join(', ');
    return this.columns;
  }
  private columns?: string;

  async page(
    q: NoticeFilter,
    scope: NoticeScope,
    roles: readonly Role[],
  ): Promise<{ rows: NoticeListRow[]; total: number }> {
    const found = await this.pageOnce(q, scope, roles, false);
    // A host name on no notice's URL may still be a fragment of one (`tenant.exam`): searched again as one.
    if (found.total === 0 && q.q !== undefined && searchKind(q.q).kind === 'host') {
      return this.pageOnce(q, scope, roles, true);
    }
    return found;
  }

  /** The page and the count of all that match, in one statement (a row with the count alone when the page is empty). */
  private async pageOnce(
    q: NoticeFilter,
    scope: NoticeScope,
    roles: readonly Role[],
    asFragment: boolean,
  ): Promise<{ rows: NoticeListRow[]; total: number }> {
    const p = new SqlParams();
    const where: string[] = [];
    const visible = visibleNoticesCondition(scope, 'n', p.ref);
    if (visible) where.push(visible);
    if (q.q !== undefined) where.push(searchCondition(q.q, roles, scope, p.ref, asFragment));
    if (q.status) where.push(`n.state = ${p.ref('status', q.status)}`);
    if (q.category) where.push(`n.category = ${p.ref('category', q.category)}`);
    if (q.customer) where.push(`n.customer_id = ${p.ref('customer', q.customer)}`);
    if (q.source) {
      // A source's notices are those it reported: by another's name it would learn who else reported them.
      if (sourceOnly(scope)) where.push(q.source === scope.source.name ? 'true' : 'false');
      else where.push(`n.source_name = ${p.ref('source', q.source)}`);
    }
    if (q.assignee) where.push(`n.assigned_to = ${p.ref('assignee', q.assignee)}`);
    if (q.overdue === true) where.push(`n.state <> 'closed' AND n.deadline < now()`);
    if (q.overdue === false) where.push(`NOT (n.state <> 'closed' AND n.deadline < now())`);
    if (q.repeat !== undefined) where.push(`n.repeat_of IS ${q.repeat ? 'NOT ' : ''}NULL`);
    if (q.customerReplied !== undefined) {
      where.push(
        `${q.customerReplied ? '' : 'NOT '}EXISTS (SELECT 1 FROM notice_events e_r WHERE e_r.notice_id = n.id
           AND e_r.type IN ('removal_claimed', 'disputed'))`,
      );
    }
    const sort = q.sort ?? '-received_at';
    // time_left: as ix_notices_time_left holds them, so that a page of the queue is read in order from the index.
    const order =
      sort === 'time_left'
        ? `n.state = 'closed' ASC, n.deadline ASC NULLS LAST, n.received_at ASC`
        : `${sort.replace('-', '') === 'deadline' ? 'n.deadline' : 'n.received_at'} ` +
          `${sort.startsWith('-') ? 'DESC' : 'ASC'} NULLS LAST`;
    const conditions = where.length ? `WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : '';
    const text = `SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM notices n ${conditions}) t
      LEFT JOIN LATERAL (SELECT ${LIST_COLUMNS} FROM notices n ${conditions}
                          ORDER BY ${order}, n.id ASC LIMIT ${p.ref('limit', q.limit)} OFFSET ${p.ref('offset', q.offset)}) p
        ON true`;
    const rows = await poolQuery<NoticeListRow & { total: number }>(this.db, {
      // A search's text is as varied as what is searched for: only the filters' statements are kept prepared.
      name: q.q === undefined ? statementName('notice_page', text) : undefined,
      text,
      values: p.values,
    });
    return {
      rows: rows.filter((r) => r.id !== null).map(({ total: _, ...row }) => row),
      total: rows[0].total,
    };
  }

  async linked(notice: Pick<NoticeEntity, 'id' | 'hostGroup'>, scope: NoticeScope): Promise<string[]> {
    const p = new SqlParams();
    const visible = visibleNoticesCondition(scope, 'n', p.ref);
    const text = `SELECT n.id FROM notices n
      WHERE n.host_group = ${p.ref('group', notice.hostGroup)} AND n.id <> ${p.ref('id', notice.id)}
      ${visible ? `AND ${visible}` : ''} ORDER BY n.received_at, n.id`;
    const rows = await poolQuery<{ id: string }>(this.db, { text, values: p.values });
    return rows.map((r) => r.id);
  }

  events(noticeId: string): Promise<NoticeEventEntity[]> {
    return poolQuery<NoticeEventEntity>(this.db, {
      text: `SELECT id::text AS id, notice_id AS "noticeId", type, actor, reason, data, occurred_at AS "occurredAt",
                    idempotency_key AS "idempotencyKey"
               FROM notice_events WHERE notice_id = $1 ORDER BY occurred_at, id`,
      values: [noticeId],
    });
  }

  reports(noticeId: string): Promise<NoticeReportEntity[]> {
    return poolQuery<NoticeReportEntity>(this.db, {
      text: `SELECT ${REPORT_COLUMNS} FROM notice_reports r WHERE r.notice_id = $1 ORDER BY r.id`,
      values: [noticeId],
    });
  }

  reportsBy(noticeIds: string[], source: { kind: string; name: string }): Promise<NoticeReportEntity[]> {
    if (!noticeIds.length) return Promise.resolve([]);
    return poolQuery<NoticeReportEntity>(this.db, {
      name: 'notice_reports_by_source',
      text: `SELECT ${REPORT_COLUMNS} FROM notice_reports r
              WHERE r.notice_id = ANY($1::uuid[]) AND r.source_kind = $2 AND r.source_name = $3 ORDER BY r.id`,
      values: [noticeIds, source.kind, source.name],
    });
  }

  async openTasks(noticeId: string): Promise<OpenNoticeTask[]> {
    return poolQuery<OpenNoticeTask>(this.db, {
      text: `SELECT id, kind, assignee, due_at AS "dueAt", summary FROM tasks
              WHERE notice_id = $1 AND status = 'open' ORDER BY due_at`,
      values: [noticeId],
    });
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

/** The parts of `detail` as its statement reads them (JSON, times as ISO strings). */
interface DetailParts {
  _events: (Omit<NoticeDetail['events'][number], 'occurredAt'> & { occurredAt: string })[];
  _reports: (Omit<NoticeDetail['reports'][number], 'receivedAt'> & { receivedAt: string })[];
  _tasks: (Omit<OpenNoticeTask, 'dueAt'> & { dueAt: string })[];
  _linked: string[];
}

/** A time as `Date#toISOString` writes it (milliseconds, cut as a Date cuts microseconds), in JSON. */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** NoticeListRow's columns. */
const LIST_COLUMNS = `n.id, n.source_kind AS "sourceKind", n.source_name AS "sourceName",
  n.source_reference AS "sourceReference", n.category, n.urls, n.ip, n.customer_id AS "customerId", n.state, n.outcome,
  n.received_at AS "receivedAt", n.deadline, n.closed_at AS "closedAt",
  n.time_to_removal_seconds AS "timeToRemovalSeconds", n.policy_id AS "policyId", n.policy_version AS "policyVersion",
  n.workflow_id AS "workflowId", n.assigned_to AS "assignedTo", n.assigned_to_name AS "assignedToName"`;

/** NoticeReportEntity's columns (its bigint id as text, as TypeORM reads it). */
const REPORT_COLUMNS = `r.id::text AS id, r.notice_id AS "noticeId", r.source_kind AS "sourceKind",
  r.source_name AS "sourceName", r.source_reference AS "sourceReference", r.source_contact AS "sourceContact",
  r.designation_reference AS "designationReference", r.designating_authority AS "designatingAuthority",
  r.received_at AS "receivedAt", r.url_positions AS "urlPositions"`;
