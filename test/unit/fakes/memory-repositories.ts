import type { EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { Client } from '@temporalio/client';
import {
  AuditTrail,
  NoticeRepository,
  TaskRepository,
  type AuditRecord,
  type IntakeMatch,
  type NewNoticeEvent,
  type NoticeEntity,
  type NoticeEventEntity,
  type NoticeFilter,
  type NoticeReportEntity,
  type NoticeScope,
  type OpenNoticeTask,
  type ReportKey,
  type TaskFilter,
  type TaskHead,
  type TaskRow,
  type TaskScope,
} from '@takedown/persistence';

/** The transaction a fake hands out: nothing reads it, the fakes keep their rows themselves. */
const TX = Object.freeze({}) as EntityManager;

/** What each fake's transaction saves and, when the work throws, puts back: a refusal changes nothing. */
function rollingBack<S, T>(save: () => S, restore: (s: S) => void, work: () => Promise<T>): Promise<T> {
  const saved = save();
  return work().catch((err: unknown) => {
    restore(saved);
    throw err;
  });
}

/** The PostgreSQL unique violation a concurrent transaction's commit gives. */
export function uniqueViolation(): QueryFailedError {
  return new QueryFailedError(
    'INSERT INTO notice_reports',
    [],
    Object.assign(new Error('duplicate key'), { code: '23505' }),
  );
}

/** The audit chain in memory. */
export class MemoryAudit extends AuditTrail {
  readonly rows: AuditRecord[] = [];
  async record(entry: AuditRecord): Promise<void> {
    this.rows.push(entry);
  }
  async recordMany(entries: AuditRecord[]): Promise<void> {
    this.rows.push(...entries);
  }
}

/** The notices' repository in memory, with the same rules as the SQL (scope, the intake's match, unique reports). */
export class MemoryNotices extends NoticeRepository {
  notices = new Map<string, NoticeEntity>();
  reportRows: NoticeReportEntity[] = [];
  eventRows: NewNoticeEvent[] = [];
  readonly customers = new Set<string>();
  readonly tasks: (OpenNoticeTask & { noticeId: string })[] = [];
  /** Reports another transaction committed after this one looked: the intake does not see them, the unique key does. */
  readonly committedElsewhere: NoticeReportEntity[] = [];
  private nextReport = 1;

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return rollingBack(
      () => ({
        notices: new Map([...this.notices].map(([k, v]) => [k, { ...v }])),
        reports: [...this.reportRows],
        events: [...this.eventRows],
      }),
      (s) => {
        this.notices = s.notices;
        this.reportRows = s.reports;
        this.eventRows = s.events;
      },
      () => work(TX),
    );
  }

  /** A notice as intake stores it, with its first report. */
  store(row: Partial<NoticeEntity> & { id: string; urls: string[] }): NoticeEntity {
    const notice = {
      sourceKind: 'hotline',
      sourceName: 'Example Hotline',
      sourceReference: `ref-${row.id}`,
      sourceContact: null,
      category: 'phishing',
      ip: null,
      observedAt: null,
      receivedAt: new Date('2026-12-01T10:00:00Z'),
      state: 'customer_notified',
      outcome: null,
      deadline: null,
      closedAt: null,
      timeToRemovalSeconds: null,
      policyId: null,
      policyVersion: null,
      customerId: null,
      workflowId: `notice-${row.id}`,
      assignedTo: null,
      assignedToName: null,
      hostGroup: null,
      host: null,
      repeatOf: null,
      hashListed: false,
      reportedType: null,
      reportDetails: null,
      originalText: null,
      ...row,
    } as NoticeEntity;
    this.notices.set(notice.id, notice);
    this.reportRows.push(
      this.report({ ...notice, noticeId: notice.id, urlPositions: notice.urls.map((_, n) => n + 1) }),
    );
    return notice;
  }

  report(row: Partial<NoticeReportEntity>): NoticeReportEntity {
    return {
      id: String(this.nextReport++),
      sourceContact: null,
      urlPositions: null,
      ...row,
    } as NoticeReportEntity;
  }

  async lockUrls(): Promise<void> {}

  async intakeMatch(_tx: EntityManager, key: ReportKey, urls: string[]): Promise<IntakeMatch> {
    const known = this.reportRows.find((r) => sameKey(r, key));
    if (known) return { known: known.noticeId, open: null };
    const open = [...this.notices.values()]
      .filter((n) => !['closed', 'needs_triage'].includes(n.state) && n.urls.some((u) => urls.includes(u)))
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())[0];
    return {
      known: null,
      open: open
        ? {
            id: open.id,
            urls: [...open.urls],
            state: open.state,
            category: open.category,
            receivedAt: open.receivedAt,
          }
        : null,
    };
  }

  async findReport(key: ReportKey): Promise<NoticeReportEntity | null> {
    return [...this.reportRows, ...this.committedElsewhere].find((r) => sameKey(r, key)) ?? null;
  }

  async insertNotice(_tx: EntityManager, row: Partial<NoticeEntity> & { id: string }) {
    const notice = this.store({ urls: [], state: 'received', ...row });
    this.reportRows.pop();
    return { ip: notice.ip, state: notice.state };
  }

  async insertReport(_tx: EntityManager, row: Partial<NoticeReportEntity>): Promise<void> {
    if ([...this.reportRows, ...this.committedElsewhere].some((r) => sameKey(r, row as ReportKey)))
      throw uniqueViolation();
    this.reportRows.push(this.report(row));
  }

  async insertEvent(_tx: EntityManager, event: NewNoticeEvent): Promise<void> {
    this.eventRows.push(event);
  }

  async customerAt(): Promise<string | null> {
    return null;
  }

  async lockNotice(_tx: EntityManager, id: string) {
    const n = this.notices.get(id);
    return n ? { state: n.state, outcome: n.outcome, assignedTo: n.assignedTo } : null;
  }

  async recordTimeToRemoval(): Promise<void> {}

  async updateNotice(_tx: EntityManager, id: string, patch: Partial<NoticeEntity>): Promise<void> {
    Object.assign(this.notices.get(id)!, patch);
  }

  async customerExists(id: string): Promise<boolean> {
    return this.customers.has(id);
  }

  async find(id: string, scope: NoticeScope): Promise<NoticeEntity | null> {
    const n = this.notices.get(id);
    return n && this.visible(n, scope) ? { ...n } : null;
  }

  async page(q: NoticeFilter, scope: NoticeScope) {
    const all = [...this.notices.values()]
      .filter((n) => this.visible(n, scope) && (!q.status || n.state === q.status))
      .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
    return { rows: all.slice(q.offset, q.offset + q.limit), total: all.length };
  }

  async linked(): Promise<string[]> {
    return [];
  }

  async events(noticeId: string): Promise<NoticeEventEntity[]> {
    return this.eventRows
      .filter((e) => e.noticeId === noticeId)
      .map((e, n) => ({ id: String(n + 1), ...e }) as NoticeEventEntity);
  }

  async reports(noticeId: string): Promise<NoticeReportEntity[]> {
    return this.reportRows.filter((r) => r.noticeId === noticeId);
  }

  async reportsBy(ids: string[], source: { kind: string; name: string }): Promise<NoticeReportEntity[]> {
    return this.reportRows.filter(
      (r) => ids.includes(r.noticeId) && r.sourceKind === source.kind && r.sourceName === source.name,
    );
  }

  async openTasks(noticeId: string): Promise<OpenNoticeTask[]> {
    return this.tasks.filter((t) => t.noticeId === noticeId);
  }

  async insertMany(
    tx: EntityManager,
    rows: { notice: Partial<NoticeEntity>; report: Partial<NoticeReportEntity> }[],
  ): Promise<void> {
    for (const r of rows) {
      this.notices.set(r.notice.id as string, { state: 'received', ...r.notice } as NoticeEntity);
      await this.insertReport(tx, r.report);
    }
  }

  async knownReports(_tx: EntityManager, keys: ReportKey[]): Promise<(ReportKey & { noticeId: string })[]> {
    return this.reportRows
      .filter((r) => keys.some((k) => sameKey(r, k)))
      .map((r) => ({
        sourceKind: r.sourceKind,
        sourceName: r.sourceName,
        sourceReference: r.sourceReference,
        noticeId: r.noticeId,
      }));
  }

  async openCovering(_tx: EntityManager, urlSets: string[][]): Promise<Set<number>> {
    const open = [...this.notices.values()].filter((n) => n.state !== 'closed' && n.state !== 'needs_triage');
    return new Set(
      urlSets.flatMap((urls, k) => (urls.some((u) => open.some((n) => n.urls.includes(u))) ? [k] : [])),
    );
  }

  async remove(_tx: EntityManager, ids: string[]): Promise<void> {
    for (const id of ids) this.notices.delete(id);
    this.reportRows = this.reportRows.filter((r) => !ids.includes(r.noticeId));
  }

  async stillReceived(ids: string[]): Promise<Pick<NoticeEntity, 'id' | 'category' | 'receivedAt'>[]> {
    return ids.flatMap((id) => {
      const n = this.notices.get(id);
      return n?.state === 'received' ? [{ id: n.id, category: n.category, receivedAt: n.receivedAt }] : [];
    });
  }

  private visible(n: NoticeEntity, scope: NoticeScope): boolean {
    if (scope.all) return true;
    const source = scope.source;
    return (
      !!source &&
      this.reportRows.some(
        (r) => r.noticeId === n.id && r.sourceKind === source.kind && r.sourceName === source.name,
      )
    );
  }
}

function sameKey(
  r: Pick<NoticeReportEntity, 'sourceKind' | 'sourceName' | 'sourceReference'>,
  k: ReportKey,
): boolean {
  return (
    r.sourceKind === k.sourceKind && r.sourceName === k.sourceName && r.sourceReference === k.sourceReference
  );
}

/** The tasks' repository in memory. */
export class MemoryTasks extends TaskRepository {
  rows = new Map<string, TaskRow>();
  readonly customers = new Set<string>();
  readonly noticeSteps: { noticeId: string; by: string; data: Record<string, unknown> }[] = [];
  /** Account manager address of each customer, for the scope. */
  readonly managerOf = new Map<string, string>();

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return rollingBack(
      () => new Map([...this.rows].map(([k, v]) => [k, { ...v }])),
      (s) => {
        this.rows = s;
      },
      () => work(TX),
    );
  }

  /** A task as a workflow step opens it. */
  open(row: Partial<TaskRow> & Pick<TaskRow, 'id' | 'kind' | 'assignee'>): TaskRow {
    const task: TaskRow = {
      assignee_email: `${row.assignee}@provider.example`,
      assigned_to: null,
      assigned_to_name: null,
      status: 'open',
      outcome: null,
      summary: 'a task',
      due_at: new Date('2026-12-02T10:00:00Z'),
      created_at: new Date('2026-12-01T10:00:00Z'),
      completed_at: null,
      completed_by: null,
      note: null,
      notice_id: null,
      notice_category: null,
      notice_state: null,
      notice_deadline: null,
      case_id: null,
      case_status: null,
      customer_id: null,
      customer_reference: null,
      customer_name: null,
      ...row,
    };
    this.rows.set(task.id, task);
    return task;
  }

  async page(q: TaskFilter, scope: TaskScope) {
    const all = [...this.rows.values()].filter(
      (t) => this.visible(t, scope) && (!q.status || t.status === q.status),
    );
    return { rows: all.slice(q.offset, q.offset + q.limit), total: all.length };
  }

  async find(id: string, scope: TaskScope): Promise<TaskRow | null> {
    const t = this.rows.get(id);
    return t && this.visible(t, scope) ? { ...t } : null;
  }

  async head(_tx: EntityManager, id: string): Promise<TaskHead | null> {
    const t = this.rows.get(id);
    return t
      ? {
          kind: t.kind,
          assignee: t.assignee,
          status: t.status,
          assignedTo: t.assigned_to,
          noticeId: t.notice_id,
          caseId: t.case_id,
        }
      : null;
  }

  async customerExists(_tx: EntityManager, id: string): Promise<boolean> {
    return this.customers.has(id);
  }

  async complete(
    _tx: EntityManager,
    id: string,
    done: { outcome: string; by: string; note: string | null },
  ): Promise<boolean> {
    const t = this.rows.get(id);
    if (!t || t.status !== 'open') return false;
    Object.assign(t, {
      status: 'completed',
      outcome: done.outcome,
      completed_by: done.by,
      note: done.note,
      completed_at: new Date(),
    });
    return true;
  }

  async assign(_tx: EntityManager, id: string, assignee: string | null, name: string | null): Promise<void> {
    Object.assign(this.rows.get(id)!, { assigned_to: assignee, assigned_to_name: name });
  }

  async recordAssigned(
    _tx: EntityManager,
    noticeId: string,
    step: { by: string; data: Record<string, unknown> },
  ) {
    this.noticeSteps.push({ noticeId, ...step });
  }

  private visible(t: TaskRow, scope: TaskScope): boolean {
    if (scope.all) return true;
    const email = scope.accountManagerEmail;
    return (
      !!email &&
      (t.assignee_email === email || (!!t.customer_id && this.managerOf.get(t.customer_id) === email))
    );
  }
}

/**
 * Temporal as the API's calls reach it, in memory: started workflows, signals and updates are recorded; an update is
 * accepted unless `refuse` names the notice.
 */
export class RecordingTemporal {
  readonly started: { workflowId: string; args: unknown[] }[] = [];
  readonly signals: { workflowId: string; name: string; arg: unknown }[] = [];
  readonly connection = { withDeadline: <T>(_deadline: number, call: () => Promise<T>) => call() };
  readonly workflow = {
    start: async (_fn: unknown, opts: { workflowId: string; args: unknown[] }) => {
      this.started.push({ workflowId: opts.workflowId, args: opts.args });
    },
    getHandle: (workflowId: string) => ({
      signal: async (def: { name: string } | string, arg: unknown) => {
        this.signals.push({ workflowId, name: typeof def === 'string' ? def : def.name, arg });
      },
    }),
  };

  asClient(): Client {
    return this as unknown as Client;
  }
}
