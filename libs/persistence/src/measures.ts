import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '@takedown/domain';

type Db = DataSource | EntityManager;

export type MeasureStatus = 'declared' | 'verified' | 'rejected';

export interface PreventiveMeasure {
  customerId: string;
  kind: string;
  status: MeasureStatus;
  evidence: string | null;
  /** A calendar date: since when the customer says it uses the measure. */
  evidenceDate: string | null;
  declaredAt: Date;
  declaredBy: string | null;
  verifiedAt: Date | null;
  verifiedBy: string | null;
  rejectedAt: Date | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
}

interface Row {
  customer_id: string;
  kind: string;
  evidence: string | null;
  evidence_date: string | null;
  declared_at: Date;
  declared_by: string | null;
  verified_at: Date | null;
  verified_by: string | null;
  rejected_at: Date | null;
  rejected_by: string | null;
  rejection_reason: string | null;
}

const COLUMNS = `customer_id, kind, evidence, to_char(evidence_date, 'YYYY-MM-DD') AS evidence_date, declared_at,
  declared_by, verified_at, verified_by, rejected_at, rejected_by, rejection_reason`;

/** A customer's measures, by kind: the one record the standing reads (only verified ones count). */
export async function listMeasures(db: Db, customerId: string): Promise<PreventiveMeasure[]> {
  const rows = (await db.query(
    `SELECT ${COLUMNS} FROM customer_preventive_measures WHERE customer_id = $1 ORDER BY kind`,
    [customerId],
  )) as Row[];
  return rows.map(measure);
}

/** The kinds the desk verified: what the standing counts. */
export async function verifiedMeasureKinds(db: Db, customerId: string): Promise<string[]> {
  const rows = (await db.query(
    `SELECT kind FROM customer_preventive_measures WHERE customer_id = $1 AND verified_at IS NOT NULL ORDER BY kind`,
    [customerId],
  )) as { kind: string }[];
  return rows.map((r) => r.kind);
}

/**
 * The customer declares a measure, with its evidence: it waits for the desk. A rejected one may be declared again
 * with new evidence; a verified one stands until the desk drops it.
 */
export async function declareMeasure(
  db: Db,
  input: { customerId: string; kind: string; evidence: string; evidenceDate: string; by: string },
): Promise<PreventiveMeasure> {
  const [row] = (await db.query(
    `INSERT INTO customer_preventive_measures (customer_id, kind, evidence, evidence_date, declared_at, declared_by)
     VALUES ($1, $2, $3, $4, now(), $5)
     ON CONFLICT (customer_id, kind) DO UPDATE
        SET evidence = $3, evidence_date = $4, declared_at = now(), declared_by = $5,
            rejected_at = NULL, rejected_by = NULL, rejection_reason = NULL
      WHERE customer_preventive_measures.verified_at IS NULL
     RETURNING ${COLUMNS}`,
    [input.customerId, input.kind, input.evidence, input.evidenceDate, input.by],
  )) as Row[];
  if (!row) {
    throw new DomainError(
      'MEASURE.ALREADY_VERIFIED',
      `${input.kind} is verified already; the desk drops it before it can be declared again`,
      'kind',
    );
  }
  return measure(row);
}

/**
 * The desk's verdict on a measure. `verified`: it counts from now; `rejected` (with a reason) or `dropped` (no longer
 * in use): it does not. A measure the desk verifies without a declaration is recorded as the desk's own finding.
 */
export async function judgeMeasure(
  db: Db,
  input: {
    customerId: string;
    kind: string;
    verdict: 'verified' | 'rejected' | 'dropped';
    by: string;
    reason?: string;
  },
): Promise<PreventiveMeasure> {
  if (input.verdict === 'verified') {
    await db.query(
      `INSERT INTO customer_preventive_measures (customer_id, kind, declared_at, declared_by)
       VALUES ($1, $2, now(), $3) ON CONFLICT (customer_id, kind) DO NOTHING`,
      [input.customerId, input.kind, input.by],
    );
  }
  const [rows] = (await db.query(
    input.verdict === 'verified'
      ? `UPDATE customer_preventive_measures
            SET verified_at = now(), verified_by = $3, rejected_at = NULL, rejected_by = NULL, rejection_reason = NULL
          WHERE customer_id = $1 AND kind = $2 RETURNING ${COLUMNS}`
      : `UPDATE customer_preventive_measures
            SET verified_at = NULL, verified_by = NULL, rejected_at = now(), rejected_by = $3, rejection_reason = $4
          WHERE customer_id = $1 AND kind = $2 RETURNING ${COLUMNS}`,
    input.verdict === 'verified'
      ? [input.customerId, input.kind, input.by]
      : [input.customerId, input.kind, input.by, input.reason ?? `${input.verdict} by the desk`],
  )) as [Row[], number];
  const [row] = rows;
  if (!row) {
    throw new DomainError('MEASURE.NOT_FOUND', `customer ${input.customerId} has declared no ${input.kind}`);
  }
  return measure(row);
}

function measure(r: Row): PreventiveMeasure {
  return {
    customerId: r.customer_id,
    kind: r.kind,
    status: r.verified_at ? 'verified' : r.rejected_at ? 'rejected' : 'declared',
    evidence: r.evidence,
    evidenceDate: r.evidence_date,
    declaredAt: r.declared_at,
    declaredBy: r.declared_by,
    verifiedAt: r.verified_at,
    verifiedBy: r.verified_by,
    rejectedAt: r.rejected_at,
    rejectedBy: r.rejected_by,
    rejectionReason: r.rejection_reason,
  };
}
