import type { EntityManager } from 'typeorm';

/**
 * The figures behind the business metrics on the API's /metrics (docs/ops/README.md). Each read touches open work
 * only: open notices through the partial index on their deadline (`state <> 'closed'`), open tasks through
 * (status, due_at), and new intake through the audit log's primary key past the last id seen. None of them grows
 * with the closed notices, which are nearly all of the table.
 */
export interface OpenWorkSnapshot {
  openNotices: { state: string; category: string; n: number }[];
  overdue: { category: string; n: number }[];
  /** Due within the next 15 minutes while nobody has acted: no removal claimed, nothing resolved. */
  nearDeadlineUnattended: { category: string; n: number }[];
  openTasks: { kind: string; age: TaskAge; n: number }[];
}

export type TaskAge = 'under_1h' | '1h_to_4h' | '4h_to_24h' | 'over_24h';

/** States in which a notice has had no answer yet: the customer claimed nothing and the desk decided nothing. */
export const UNANSWERED_STATES = [
  'received',
  'attributed',
  'unattributed',
  'customer_notified',
  'reminded',
  'escalated',
  'suspension_requested',
] as const;

export const NEAR_DEADLINE_MINUTES = 15;

export async function readOpenWork(db: EntityManager): Promise<OpenWorkSnapshot> {
  const open = (await db.query(
    `SELECT state, category, count(*)::int AS n,
            count(*) FILTER (WHERE deadline < now())::int AS overdue,
            count(*) FILTER (WHERE deadline >= now() AND deadline < now() + make_interval(mins => $1)
                             AND state = ANY($2))::int AS near
     FROM notices WHERE state <> 'closed' GROUP BY state, category`,
    [NEAR_DEADLINE_MINUTES, UNANSWERED_STATES],
  )) as { state: string; category: string; n: number; overdue: number; near: number }[];
  const byCategory = (pick: (r: (typeof open)[number]) => number) => {
    const sums = new Map<string, number>();
    for (const r of open) sums.set(r.category, (sums.get(r.category) ?? 0) + pick(r));
    return [...sums].map(([category, n]) => ({ category, n }));
  };
  const openTasks = (await db.query(
    `SELECT kind, CASE WHEN created_at > now() - interval '1 hour' THEN 'under_1h'
                       WHEN created_at > now() - interval '4 hours' THEN '1h_to_4h'
                       WHEN created_at > now() - interval '24 hours' THEN '4h_to_24h'
                       ELSE 'over_24h' END AS age,
            count(*)::int AS n
     FROM tasks WHERE status = 'open' GROUP BY 1, 2`,
  )) as { kind: string; age: TaskAge; n: number }[];
  return {
    openNotices: open.map(({ state, category, n }) => ({ state, category, n })),
    overdue: byCategory((r) => r.overdue),
    nearDeadlineUnattended: byCategory((r) => r.near),
    openTasks,
  };
}

/** The audit log's newest id: where counting intake starts. */
export async function latestAuditId(db: EntityManager): Promise<string> {
  const [row] = (await db.query(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`)) as {
    id: string;
  }[];
  return row.id;
}

/**
 * Notices taken in after the audit row `afterId` up to the newest row now, by channel (api, xarf, batch,
 * mail-arf, mail-xarf, mail-plain; a report that joined an open notice counts too), and that newest id: the next
 * read starts there.
 */
export async function readIntakeSince(
  db: EntityManager,
  afterId: string,
): Promise<{ lastId: string; byChannel: { channel: string; n: number }[] }> {
  const lastId = await latestAuditId(db);
  const byChannel = (await db.query(
    `SELECT coalesce(summary->>'channel', 'api') AS channel, count(*)::int AS n
     FROM audit_log WHERE id > $1 AND id <= $2 AND action IN ('notice.submit', 'notice.report_joined')
     GROUP BY 1`,
    [afterId, lastId],
  )) as { channel: string; n: number }[];
  return { lastId, byChannel };
}
