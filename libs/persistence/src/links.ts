import type { DataSource, EntityManager } from 'typeorm';
import type { Category, CustomerLanguage, TaskKind } from '@takedown/domain';

/**
 * The SQL behind the signed links in emails (apps/api/src/links): what a link points at, and `link_uses`, whose
 * primary key `jti` makes each link work once.
 */
type Db = DataSource | EntityManager;

/** A notice as its link page shows it, with its customer when it has one. */
export interface NoticeLinkTarget {
  id: string;
  category: Category;
  state: string;
  receivedAt: Date;
  deadline: Date | null;
  customer: { reference: string; language: CustomerLanguage | null; timeZone: string | null } | null;
}

/** A task as its link page shows it; about a notice or about a termination case. */
export interface TaskLinkTarget {
  id: string;
  kind: TaskKind;
  status: string;
  outcome: string | null;
  summary: string;
  dueAt: Date;
  assigneeEmail: string;
  completedAt: Date | null;
  completedBy: string | null;
  note: string | null;
  noticeId: string | null;
  category: Category | null;
  caseId: string | null;
}

export async function findNoticeLinkTarget(db: Db, id: string): Promise<NoticeLinkTarget | null> {
  const [row] = (await db.query(
    `SELECT n.id, n.category, n.state, n.received_at, n.deadline, c.reference, c.language, c.time_zone
       FROM notices n LEFT JOIN customers c ON c.id = n.customer_id WHERE n.id = $1`,
    [id],
  )) as {
    id: string;
    category: Category;
    state: string;
    received_at: Date;
    deadline: Date | null;
    reference: string | null;
    language: CustomerLanguage | null;
    time_zone: string | null;
  }[];
  if (!row) return null;
  return {
    id: row.id,
    category: row.category,
    state: row.state,
    receivedAt: row.received_at,
    deadline: row.deadline,
    customer: row.reference
      ? { reference: row.reference, language: row.language, timeZone: row.time_zone }
      : null,
  };
}

export async function findTaskLinkTarget(db: Db, id: string): Promise<TaskLinkTarget | null> {
  const [row] = (await db.query(
    `SELECT t.id, t.kind, t.status, t.outcome, t.summary, t.due_at, t.assignee_email, t.completed_at,
            t.completed_by, t.note, n.id AS notice_id, n.category, t.case_id
       FROM tasks t LEFT JOIN notices n ON n.id = t.notice_id WHERE t.id = $1`,
    [id],
  )) as {
    id: string;
    kind: TaskKind;
    status: string;
    outcome: string | null;
    summary: string;
    due_at: Date;
    assignee_email: string;
    completed_at: Date | null;
    completed_by: string | null;
    note: string | null;
    notice_id: string | null;
    category: Category | null;
    case_id: string | null;
  }[];
  if (!row) return null;
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    outcome: row.outcome,
    summary: row.summary,
    dueAt: row.due_at,
    assigneeEmail: row.assignee_email,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
    note: row.note,
    noticeId: row.notice_id,
    category: row.category,
    caseId: row.case_id,
  };
}

/** When the link with this `jti` was used; null while it is unused. */
export async function linkUsedAt(db: Db, jti: string): Promise<Date | null> {
  const [used] = (await db.query(`SELECT used_at FROM link_uses WHERE jti = $1`, [jti])) as {
    used_at: Date;
  }[];
  return used?.used_at ?? null;
}

/**
 * Claims a link for good, in the caller's transaction: null when this call claimed it, else when it was used
 * before. A concurrent second use waits on the key, then finds it taken.
 */
export async function claimLinkUse(
  tx: EntityManager,
  use: { jti: string; target: string; action: string; remoteAddr: string | null },
): Promise<Date | null> {
  const inserted = (await tx.query(
    `INSERT INTO link_uses (jti, target, action, remote_addr) VALUES ($1, $2, $3, $4::inet)
       ON CONFLICT (jti) DO NOTHING RETURNING jti`,
    [use.jti, use.target, use.action, use.remoteAddr],
  )) as unknown[];
  if (inserted.length) return null;
  const [used] = (await tx.query(`SELECT used_at FROM link_uses WHERE jti = $1`, [use.jti])) as {
    used_at: Date;
  }[];
  return used.used_at;
}
