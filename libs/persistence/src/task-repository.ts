import type { DataSource, EntityManager } from 'typeorm';
import type { Category, TaskAssignee, TaskKind, TaskStatus } from '@takedown/domain';

/** Which tasks a caller may read: all, or an account manager's (those addressed to it or about its customers). */
export type TaskScope = { all: true } | { all: false; accountManagerEmail?: string };

export interface TaskFilter {
  /** A role, or (with an `@`) an address the task was sent to. */
  assignee?: string;
  assignedTo?: string;
  status?: TaskStatus;
  notice?: string;
  case?: string;
  limit: number;
  offset: number;
}

/** A task with what its views show of its notice or termination case and their customer. */
export interface TaskRow {
  id: string;
  kind: TaskKind;
  assignee: TaskAssignee;
  assignee_email: string;
  assigned_to: string | null;
  assigned_to_name: string | null;
  status: TaskStatus;
  outcome: string | null;
  summary: string;
  due_at: Date;
  created_at: Date;
  completed_at: Date | null;
  completed_by: string | null;
  note: string | null;
  notice_id: string | null;
  notice_category: Category | null;
  notice_state: string | null;
  notice_deadline: Date | null;
  case_id: string | null;
  case_status: string | null;
  customer_id: string | null;
  customer_reference: string | null;
  customer_name: string | null;
}

/** What completing or assigning a task decides on. */
export interface TaskHead {
  kind: TaskKind;
  assignee: TaskAssignee;
  status: TaskStatus;
  assignedTo: string | null;
  noticeId: string | null;
  caseId: string | null;
}

/**
 * The API's reads and writes of tasks (the workflows open and cancel them through `TaskStore`). A write takes the
 * transaction it is part of; `tx` on a read makes it see that transaction's writes. An abstract class so that it is
 * its own DI token and a test can hand the service an in-memory one.
 */
export abstract class TaskRepository {
  abstract transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T>;
  abstract page(filter: TaskFilter, scope: TaskScope): Promise<{ rows: TaskRow[]; total: number }>;
  /** The task if the scope may see it. */
  abstract find(id: string, scope: TaskScope, tx?: EntityManager): Promise<TaskRow | null>;
  /** `lock`: held to the end of `tx` (`FOR UPDATE`), for a change that depends on what was read. */
  abstract head(tx: EntityManager, id: string, lock?: boolean): Promise<TaskHead | null>;
  abstract customerExists(tx: EntityManager, id: string): Promise<boolean>;
  /** Completes the task if it is still open; false when it was not. */
  abstract complete(
    tx: EntityManager,
    id: string,
    done: { outcome: string; by: string; note: string | null; data: Record<string, unknown> },
  ): Promise<boolean>;
  abstract assign(tx: EntityManager, id: string, assignee: string | null, name: string | null): Promise<void>;
  /** A `task_assigned` step on the task's notice's timeline. */
  abstract recordAssigned(
    tx: EntityManager,
    noticeId: string,
    step: { by: string; data: Record<string, unknown>; key: string },
  ): Promise<void>;
}

const SELECT_TASKS = `
  SELECT t.id, t.kind, t.assignee, t.assignee_email, t.assigned_to, t.assigned_to_name, t.status, t.outcome, t.summary, t.due_at, t.created_at,
         t.completed_at, t.completed_by, t.note, n.id AS notice_id, n.category AS notice_category,
         n.state AS notice_state, n.deadline AS notice_deadline, tc.id AS case_id, tc.status AS case_status,
         c.id AS customer_id, c.reference AS customer_reference, c.name AS customer_name
  FROM tasks t
  LEFT JOIN notices n ON n.id = t.notice_id
  LEFT JOIN termination_cases tc ON tc.id = t.case_id
  LEFT JOIN customers c ON c.id = COALESCE(n.customer_id, tc.customer_id)`;

/**
 * An account manager's tasks: those addressed to it, and those about its customers (by notice or case). `email` is
 * the placeholder of its address; without one, nothing.
 */
function taskVisibleSql(email: string): string {
  return `(t.assignee_email = ${email} OR COALESCE(
    (SELECT n_vis.customer_id FROM notices n_vis WHERE n_vis.id = t.notice_id),
    (SELECT tc_vis.customer_id FROM termination_cases tc_vis WHERE tc_vis.id = t.case_id)
  ) IN (SELECT c_vis.id FROM customers c_vis WHERE c_vis.account_manager_email = ${email}))`;
}

export class PgTaskRepository extends TaskRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async page(q: TaskFilter, scope: TaskScope): Promise<{ rows: TaskRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!scope.all) where.push(taskVisibleSql(`$${params.push(scope.accountManagerEmail ?? null)}`));
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (q.assignee) {
      if (q.assignee.includes('@')) add('t.assignee_email = ?', q.assignee.toLowerCase());
      else add('t.assignee = ?', q.assignee);
    }
    if (q.assignedTo) add('t.assigned_to = ?', q.assignedTo);
    if (q.status) add('t.status = ?', q.status);
    if (q.notice) add('t.notice_id = ?', q.notice);
    if (q.case) add('t.case_id = ?', q.case);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `${SELECT_TASKS} ${filter} ORDER BY t.due_at, t.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, q.limit, q.offset],
      ) as Promise<TaskRow[]>,
      this.db.query(`SELECT count(*)::int AS total FROM tasks t ${filter}`, params) as Promise<
        { total: number }[]
      >,
    ]);
    return { rows, total };
  }

  async find(id: string, scope: TaskScope, tx?: EntityManager): Promise<TaskRow | null> {
    const params: unknown[] = [id];
    const visible = scope.all
      ? ''
      : ` AND ${taskVisibleSql(`$${params.push(scope.accountManagerEmail ?? null)}`)}`;
    const [row] = (await (tx ?? this.db).query(
      `${SELECT_TASKS} WHERE t.id = $1${visible}`,
      params,
    )) as TaskRow[];
    return row ?? null;
  }

  async head(tx: EntityManager, id: string, lock = false): Promise<TaskHead | null> {
    const [row] = (await tx.query(
      `SELECT kind, assignee, status, assigned_to, notice_id, case_id FROM tasks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    )) as {
      kind: TaskKind;
      assignee: TaskAssignee;
      status: TaskStatus;
      assigned_to: string | null;
      notice_id: string | null;
      case_id: string | null;
    }[];
    return row
      ? {
          kind: row.kind,
          assignee: row.assignee,
          status: row.status,
          assignedTo: row.assigned_to,
          noticeId: row.notice_id,
          caseId: row.case_id,
        }
      : null;
  }

  async customerExists(tx: EntityManager, id: string): Promise<boolean> {
    const [known] = (await tx.query(`SELECT 1 FROM customers WHERE id = $1`, [id])) as unknown[];
    return !!known;
  }

  async complete(
    tx: EntityManager,
    id: string,
    done: { outcome: string; by: string; note: string | null; data: Record<string, unknown> },
  ): Promise<boolean> {
    const [, changed] = (await tx.query(
      `UPDATE tasks SET status = 'completed', outcome = $2, completed_at = now(), completed_by = $3, note = $4,
         data = data || $5::jsonb
       WHERE id = $1 AND status = 'open'
       RETURNING id`,
      [id, done.outcome, done.by, done.note, JSON.stringify(done.data)],
    )) as [unknown[], number];
    return changed > 0;
  }

  async assign(tx: EntityManager, id: string, assignee: string | null, name: string | null): Promise<void> {
    await tx.query(`UPDATE tasks SET assigned_to = $2, assigned_to_name = $3 WHERE id = $1`, [
      id,
      assignee,
      name,
    ]);
  }

  async recordAssigned(
    tx: EntityManager,
    noticeId: string,
    step: { by: string; data: Record<string, unknown>; key: string },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO notice_events (notice_id, type, actor, data, occurred_at, idempotency_key)
       VALUES ($1, 'task_assigned', $2, $3, now(), $4)`,
      [noticeId, step.by, step.data, step.key],
    );
  }
}
