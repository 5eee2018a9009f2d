import type { DataSource, EntityManager } from 'typeorm';
import {
  DEFAULT_APPEAL_PERIODS,
  DomainError,
  type AppealKind,
  type AppealPeriods,
  type AppealStatus,
} from '@takedown/domain';

type Db = DataSource | EntityManager;

export interface Appeal {
  id: string;
  kind: AppealKind;
  customerId: string | null;
  noticeId: string | null;
  caseId: string | null;
  source: { kind: string; name: string } | null;
  appellant: string;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
  status: AppealStatus;
  filedAt: Date;
  reviewDueAt: Date;
  reviewedBy: string | null;
  reviewReason: string | null;
  reviewedAt: Date | null;
  workflowId: string;
}

interface Row {
  id: string;
  kind: AppealKind;
  customer_id: string | null;
  notice_id: string | null;
  case_id: string | null;
  source_kind: string | null;
  source_name: string | null;
  appellant: string;
  reason: string;
  decided_by: string;
  decided_at: Date;
  status: AppealStatus;
  filed_at: Date;
  review_due_at: Date;
  reviewed_by: string | null;
  review_reason: string | null;
  reviewed_at: Date | null;
  workflow_id: string;
}

const appeal = (r: Row): Appeal => ({
  id: r.id,
  kind: r.kind,
  customerId: r.customer_id,
  noticeId: r.notice_id,
  caseId: r.case_id,
  source: r.source_kind && r.source_name ? { kind: r.source_kind, name: r.source_name } : null,
  appellant: r.appellant,
  reason: r.reason,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  status: r.status,
  filedAt: r.filed_at,
  reviewDueAt: r.review_due_at,
  reviewedBy: r.reviewed_by,
  reviewReason: r.review_reason,
  reviewedAt: r.reviewed_at,
  workflowId: r.workflow_id,
});

/** The periods for a customer's policy profile (its contract's), or the default profile's. */
export async function appealPeriodsFor(
  db: Db,
  customerId: string | null,
  fallbackProfile: string,
): Promise<AppealPeriods> {
  const rows = (await db.query(
    `SELECT s.appeal_period, s.review_period
       FROM appeal_settings s
      WHERE s.profile = COALESCE((SELECT policy_profile FROM contracts WHERE customer_id = $1), $2)
         OR s.profile = 'default'
      ORDER BY (s.profile = 'default') ASC LIMIT 1`,
    [customerId, fallbackProfile],
  )) as { appeal_period: string; review_period: string }[];
  const row = rows[0];
  return row
    ? { appealPeriod: row.appeal_period, reviewPeriod: row.review_period }
    : DEFAULT_APPEAL_PERIODS.default;
}

/**
 * The decision a notice's appeal contests: its last close, who made it and when; `counted` when it counted against
 * the standing of `customerId` (the end customer's, or an act_first reseller's that missed its window), or anyone's.
 */
export async function noticeDecision(
  db: Db,
  noticeId: string,
  customerId?: string,
): Promise<{ decidedBy: string; decidedAt: Date; outcome: string | null; counted: boolean } | null> {
  const [row] = (await db.query(
    `SELECT e.actor, e.occurred_at, e.data->>'outcome' AS outcome,
            EXISTS (SELECT 1 FROM customer_standing_events s
                     WHERE s.type IN ('notice_closed', 'repeat', 'content_back')
                       AND ($2::uuid IS NULL OR s.customer_id = $2::uuid)
                       AND s.data->'event'->>'noticeId' = $1::text
                       AND (s.type <> 'notice_closed'
                            OR (s.data->'event'->>'deadlineMissed')::boolean
                            OR (s.data->'event'->>'falseClaims')::int > 0
                            OR s.data->'event'->>'outcome' = 'suspended')) AS counted
       FROM notice_events e
      WHERE e.notice_id = $1::uuid AND e.type = 'closed'
      ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1`,
    [noticeId, customerId ?? null],
  )) as { actor: string; occurred_at: Date; outcome: string | null; counted: boolean }[];
  return row
    ? { decidedBy: row.actor, decidedAt: row.occurred_at, outcome: row.outcome, counted: row.counted }
    : null;
}

/** Legal's approval of a termination case: who approved it and when; null before it was approved. */
export async function terminationDecision(
  db: Db,
  caseId: string,
): Promise<{ decidedBy: string; decidedAt: Date } | null> {
  const [row] = (await db.query(
    `SELECT actor, occurred_at FROM termination_case_events
      WHERE case_id = $1 AND type = 'task_completed'
        AND data->>'kind' = 'legal_review' AND data->>'outcome' = 'approve'
      ORDER BY occurred_at DESC, id DESC LIMIT 1`,
    [caseId],
  )) as { actor: string; occurred_at: Date }[];
  return row ? { decidedBy: row.actor, decidedAt: row.occurred_at } : null;
}

export interface NewAppeal {
  id: string;
  kind: AppealKind;
  customerId: string | null;
  noticeId: string | null;
  caseId: string | null;
  source: { kind: string; name: string } | null;
  appellant: string;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
  reviewDueAt: Date;
  workflowId: string;
}

/** Files an appeal; a second appeal of the same decision by the same customer is refused (409), naming the first. */
export async function insertAppeal(db: Db, a: NewAppeal): Promise<Appeal> {
  const [existing] = (await db.query(
    `SELECT id, status FROM appeals
      WHERE kind = $1 AND COALESCE(notice_id, case_id) = COALESCE($2::uuid, $3::uuid)
        AND customer_id IS NOT DISTINCT FROM $4::uuid AND status <> 'refused_late'`,
    [a.kind, a.noticeId, a.caseId, a.customerId],
  )) as { id: string; status: string }[];
  if (existing) {
    throw new DomainError(
      'APPEAL.ALREADY_FILED',
      `this decision is appealed already (appeal ${existing.id})`,
      undefined,
      undefined,
      existing.status,
    );
  }
  const [row] = (await db.query(
    `INSERT INTO appeals (id, kind, customer_id, notice_id, case_id, source_kind, source_name, appellant, reason,
       decided_by, decided_at, review_due_at, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
    [
      a.id,
      a.kind,
      a.customerId,
      a.noticeId,
      a.caseId,
      a.source?.kind ?? null,
      a.source?.name ?? null,
      a.appellant,
      a.reason,
      a.decidedBy,
      a.decidedAt,
      a.reviewDueAt,
      a.workflowId,
    ],
  )) as Row[];
  return appeal(row);
}

export async function findAppeal(db: Db, id: string): Promise<Appeal | null> {
  const [row] = (await db.query(`SELECT * FROM appeals WHERE id = $1`, [id])) as Row[];
  return row ? appeal(row) : null;
}

export interface AppealFilter {
  customerId?: string;
  /** A source sees the appeals of the notices it reported. */
  source?: { kind: string; name: string };
  status?: AppealStatus;
  kinds?: AppealKind[];
  limit: number;
  offset: number;
}

/** Appeals, the ones still under review first by their review deadline, then the rest newest first. */
export async function listAppeals(db: Db, f: AppealFilter): Promise<{ items: Appeal[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (f.customerId) where.push(`customer_id = ${param(f.customerId)}`);
  if (f.source) where.push(`source_kind = ${param(f.source.kind)} AND source_name = ${param(f.source.name)}`);
  if (f.status) where.push(`status = ${param(f.status)}`);
  if (f.kinds) where.push(`kind = ANY(${param(f.kinds)}::text[])`);
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [{ total }] = (await db.query(`SELECT count(*)::int AS total FROM appeals ${clause}`, params)) as {
    total: number;
  }[];
  const rows = (await db.query(
    `SELECT * FROM appeals ${clause}
      ORDER BY (status = 'under_review') DESC, CASE WHEN status = 'under_review' THEN review_due_at END ASC,
               filed_at DESC, id
      LIMIT ${param(f.limit)} OFFSET ${param(f.offset)}`,
    params,
  )) as Row[];
  return { items: rows.map(appeal), total };
}

/** Where the appeal stands after a step of its workflow; a decided appeal keeps its decision. */
export async function setAppealStatus(
  db: Db,
  u: { id: string; status: AppealStatus; by: string; reason: string | null; at: Date },
): Promise<void> {
  const reviewed = u.status === 'upheld' || u.status === 'reversed';
  await db.query(
    `UPDATE appeals SET status = $2,
            reviewed_by = CASE WHEN $3 THEN $4 ELSE reviewed_by END,
            review_reason = CASE WHEN $3 THEN $5 ELSE review_reason END,
            reviewed_at = CASE WHEN $3 THEN $6::timestamptz ELSE reviewed_at END
      WHERE id = $1 AND status = 'under_review'`,
    [u.id, u.status, reviewed, u.by, u.reason, u.at],
  );
}

/** A customer's appeals for its termination report: what was contested, by whom, and how it was decided. */
export async function customerAppeals(db: Db, customerId: string): Promise<Appeal[]> {
  const rows = (await db.query(`SELECT * FROM appeals WHERE customer_id = $1 ORDER BY filed_at, id`, [
    customerId,
  ])) as Row[];
  return rows.map(appeal);
}
