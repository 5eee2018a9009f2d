import type { EntityManager } from 'typeorm';

/**
 * The transparency figures' reads of notices (migration 1796080000000-StatsRollup): whole UTC days from the daily
 * rollup and its pending deltas, the rest (partial days at the period's ends, the day on which notices turn 48 h old,
 * or every notice of one customer) from the notices themselves.
 */

/** One key's count of a period's notices. */
export interface NoticeStatsRow {
  category: string;
  /** null while open. */
  outcome: string | null;
  sourceKind: string;
  removedWithin24h: boolean;
  /** Not closed within 48 h of receipt (counted for notices received 48 h ago or more). */
  openAfter48h: boolean;
  /** Received 48 h ago or more. */
  oldEnough: boolean;
  /** Bucket of the time to removal (`notice_removal_bucket`), -1 without one. */
  bucket: number;
  n: number;
}

export interface NoticeStatsPeriod {
  from: Date;
  to: Date;
  customerId: string | null;
}

const DAY_MS = 86_400_000;
/** The UTC day on which notices received now turn 48 h old starts here. */
const TURNING_OLD = `date_trunc('day', now() - interval '48 hours', 'UTC')`;

const PERIOD_ROWS = `
  SELECT category, nullif(outcome, '') AS outcome, source_kind AS "sourceKind", within24 AS "removedWithin24h",
         open48 AS "openAfter48h", old AS "oldEnough", bucket, sum(n)::int AS n
    FROM (
      SELECT category, coalesce(outcome, '') AS outcome, source_kind,
             coalesce(removed_at <= received_at + interval '24 hours', false) AS within24,
             closed_at IS NULL OR closed_at > received_at + interval '48 hours' AS open48,
             received_at <= now() - interval '48 hours' AS old,
             coalesce(notice_removal_bucket(time_to_removal_seconds), -1) AS bucket, 1 AS n
        FROM notices
       WHERE ($3::uuid IS NULL OR customer_id = $3)
         AND ((received_at >= $1 AND received_at < $4)
           OR (received_at >= $5 AND received_at < $2)
           OR (received_at >= greatest($1, ${TURNING_OLD}) AND received_at < least($2, ${TURNING_OLD} + interval '1 day')))
      UNION ALL
      SELECT category, outcome, source_kind, within24, open48, day < (${TURNING_OLD} AT TIME ZONE 'UTC')::date, bucket, n
        FROM (SELECT day, category, outcome, source_kind, within24, open48, bucket, n FROM notice_stats_daily
              UNION ALL
              SELECT day, category, outcome, source_kind, within24, open48, bucket, n FROM notice_stats_delta) r
       WHERE $3::uuid IS NULL AND day >= $6::date AND day < $7::date
         AND day <> (${TURNING_OLD} AT TIME ZONE 'UTC')::date
    ) x
   GROUP BY 1, 2, 3, 4, 5, 6, 7
  HAVING sum(n) <> 0`;

/**
 * The period's notices counted per key, in one statement. The whole UTC days inside the period come from the
 * rollup (only for all customers: the rollup has no customer); for one customer every notice is read, through the
 * index on receipt, as that customer's notices are few. `rollup: false` reads every notice (as the stats did until
 * December 2026: `npm run bench:scale-queries` compares the two).
 */
export async function noticeStatsRows(
  m: EntityManager,
  p: NoticeStatsPeriod,
  { rollup = true }: { rollup?: boolean } = {},
): Promise<NoticeStatsRow[]> {
  const firstDay = Math.ceil(p.from.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(p.to.getTime() / DAY_MS) * DAY_MS;
  // [rolledFrom, rolledTo): whole days read from the rollup; none for one customer, or when no day fits.
  const [rolledFrom, rolledTo] =
    rollup && p.customerId === null && firstDay < endDay
      ? [new Date(firstDay), new Date(endDay)]
      : [p.to, p.to];
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return (await m.query(PERIOD_ROWS, [
    p.from,
    p.to,
    p.customerId,
    rolledFrom,
    rolledTo,
    day(rolledFrom),
    day(rolledTo),
  ])) as NoticeStatsRow[];
}

/**
 * The time to removal of the notice at `rank` (0-based, in order of time to removal) among the period's notices
 * that have one, given how many of them each bucket holds: read from that bucket's notices alone.
 */
export async function removalTimeAt(
  m: EntityManager,
  p: NoticeStatsPeriod,
  histogram: Map<number, number>,
  rank: number,
): Promise<number> {
  let before = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    const n = histogram.get(bucket) ?? 0;
    if (rank < before + n) {
      const rows = (await m.query(
        `SELECT time_to_removal_seconds AS t FROM notices
          WHERE notice_removal_bucket(time_to_removal_seconds) = $1 AND time_to_removal_seconds IS NOT NULL
            AND received_at >= $2 AND received_at < $3 AND ($4::uuid IS NULL OR customer_id = $4)
          ORDER BY 1 OFFSET $5 LIMIT 1`,
        [bucket, p.from, p.to, p.customerId, rank - before],
      )) as { t: number }[];
      if (!rows.length) throw new Error(`notice stats: bucket ${bucket} holds fewer than ${n} notices`);
      return rows[0].t;
    }
    before += n;
  }
  throw new Error(`notice stats: rank ${rank} is past the ${before} times to removal`);
}

/**
 * Folds the pending deltas into the daily rollup, and drops the rows that count nothing any more. One fold runs at a
 * time (an advisory lock: several API replicas may call it); returns the number of deltas folded, or null when
 * another fold held the lock.
 */
export async function foldNoticeStats(m: EntityManager): Promise<number | null> {
  return m.transaction(async (tx) => {
    const [{ locked }] = (await tx.query(
      `SELECT pg_try_advisory_xact_lock(hashtext('takedown.notice_stats'), 0) AS locked`,
    )) as { locked: boolean }[];
    if (!locked) return null;
    const [{ folded }] = (await tx.query(`
      WITH moved AS (DELETE FROM notice_stats_delta RETURNING *),
           added AS (
             INSERT INTO notice_stats_daily AS d (day, category, outcome, source_kind, within24, open48, bucket, n)
             SELECT day, category, outcome, source_kind, within24, open48, bucket, sum(n)::int FROM moved
              GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) <> 0
             ON CONFLICT (day, category, outcome, source_kind, within24, open48, bucket) DO UPDATE SET n = d.n + excluded.n)
      SELECT count(*)::int AS folded FROM moved`)) as { folded: number }[];
    if (folded) await tx.query(`DELETE FROM notice_stats_daily WHERE n = 0`);
    return folded;
  });
}
