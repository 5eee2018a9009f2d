import type { EntityManager } from 'typeorm';

/**
 * The transparency figures' reads of notices (migration 1796080000000-StatsRollup): whole UTC days from the daily
 * rollup, whole hours at the period's ends from the hourly one (each with its pending deltas), and the rest (the
 * partial hours at the ends, the hour in which notices turn 48 h old, or every notice of one customer) from the
 * notices themselves.
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

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The UTC hour, and day, in which notices received then turn 48 h old now. */
const TURNING_HOUR = `date_trunc('hour', now() - interval '48 hours', 'UTC')`;
const TURNING_DAY = `(date_trunc('day', now() - interval '48 hours', 'UTC') AT TIME ZONE 'UTC')::date`;
const REST = `category, outcome, source_kind, within24, open48, bucket`;
/** A rollup row's key as the read lists it, with whether its notices are 48 h old (`old`). */
const KEY_WITH = (old: string) => `category, outcome, source_kind, within24, open48, ${old}, bucket`;
/** A rollup row's whole days: in [$6, $7), but for the day in which notices turn 48 h old. */
const IN_DAYS = (day: string) => `${day} >= $6::date AND ${day} < $7::date AND ${day} <> ${TURNING_DAY}`;
const DAY_OF = (hour: string) => `(${hour} AT TIME ZONE 'UTC')::date`;
/**
 * A rollup row's whole hours: in [$4, $8) or [$9, $5) (the ends, outside the whole days), or in the day in which
 * notices turn 48 h old, but not the hour in which they do. As ranges, so that the hourly rows are read by index.
 */
const TURNING_DAY_START = `date_trunc('day', now() - interval '48 hours', 'UTC')`;
const IN_HOURS = `((hour >= $4 AND hour < $8) OR (hour >= $9 AND hour < $5)
    OR (hour >= greatest($4, ${TURNING_DAY_START}) AND hour < least($5, ${TURNING_DAY_START} + interval '1 day')))
  AND hour <> ${TURNING_HOUR}`;

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
           OR (received_at >= greatest($1, ${TURNING_HOUR})
               AND received_at < least($2, ${TURNING_HOUR} + interval '1 hour')))
      UNION ALL
      SELECT ${KEY_WITH(`day < ${TURNING_DAY}`)}, n FROM notice_stats_daily
       WHERE $3::uuid IS NULL AND ${IN_DAYS('day')}
      UNION ALL
      SELECT ${KEY_WITH(`${DAY_OF('hour')} < ${TURNING_DAY}`)}, n FROM notice_stats_delta
       WHERE $3::uuid IS NULL AND ${IN_DAYS(DAY_OF('hour'))}
      UNION ALL
      SELECT ${KEY_WITH(`hour < ${TURNING_HOUR}`)}, n
        FROM (SELECT hour, ${REST}, n FROM notice_stats_hourly UNION ALL SELECT hour, ${REST}, n FROM notice_stats_delta) r
       WHERE $3::uuid IS NULL AND ${IN_HOURS}
    ) x
   GROUP BY 1, 2, 3, 4, 5, 6, 7
  HAVING sum(n) <> 0`;

/**
 * The period's notices counted per key, in one statement. Whole days and whole hours inside the period come from
 * the rollup (only for all customers: the rollup has no customer); for one customer every notice is read, through
 * the indexes, as that customer's notices are few. `rollup: false` reads every notice (as the stats did until
 * December 2026: `npm run bench:scale-queries` compares the two).
 */
export async function noticeStatsRows(
  m: EntityManager,
  p: NoticeStatsPeriod,
  { rollup = true }: { rollup?: boolean } = {},
): Promise<NoticeStatsRow[]> {
  const ceil = (t: Date, unit: number) => new Date(Math.ceil(t.getTime() / unit) * unit);
  const floor = (t: Date, unit: number) => new Date(Math.floor(t.getTime() / unit) * unit);
  // [hoursFrom, hoursTo): whole hours read from the rollup; none for one customer, or when no hour fits (the
  // notices of [from, to) are read then). [daysFrom, daysTo): the whole days among them.
  const [hoursFrom, hoursTo] =
    rollup && p.customerId === null && ceil(p.from, HOUR_MS) < floor(p.to, HOUR_MS)
      ? [ceil(p.from, HOUR_MS), floor(p.to, HOUR_MS)]
      : [p.to, p.to];
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const [firstDay, endDay] = [ceil(hoursFrom, DAY_MS), floor(hoursTo, DAY_MS)];
  // [daysFrom, daysTo): the whole days among the hours (none: both at the hours' end).
  const [daysFrom, daysTo] = firstDay < endDay ? [firstDay, endDay] : [hoursTo, hoursTo];
  return (await m.query(PERIOD_ROWS, [
    p.from,
    p.to,
    p.customerId,
    hoursFrom,
    hoursTo,
    day(daysFrom),
    day(daysTo),
    daysFrom,
    daysTo,
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
 * Folds the pending deltas into the daily and hourly rollups, and drops the rows that count nothing any more. One
 * fold runs at a time (an advisory lock: several API replicas may call it); returns the number of deltas folded, or
 * null when another fold held the lock.
 */
export async function foldNoticeStats(m: EntityManager): Promise<number | null> {
  return m.transaction(async (tx) => {
    const [{ locked }] = (await tx.query(
      `SELECT pg_try_advisory_xact_lock(hashtext('takedown.notice_stats'), 0) AS locked`,
    )) as { locked: boolean }[];
    if (!locked) return null;
    const [{ folded }] = (await tx.query(`
      WITH moved AS (DELETE FROM notice_stats_delta RETURNING *),
           days AS (
             INSERT INTO notice_stats_daily AS d (day, ${REST}, n)
             SELECT ${DAY_OF('hour')}, ${REST}, sum(n)::int FROM moved
              GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) <> 0
             ON CONFLICT (day, ${REST}) DO UPDATE SET n = d.n + excluded.n),
           hours AS (
             INSERT INTO notice_stats_hourly AS h (hour, ${REST}, n)
             SELECT hour, ${REST}, sum(n)::int FROM moved
              GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) <> 0
             ON CONFLICT (hour, ${REST}) DO UPDATE SET n = h.n + excluded.n)
      SELECT count(*)::int AS folded FROM moved`)) as { folded: number }[];
    if (folded) {
      await tx.query(`DELETE FROM notice_stats_daily WHERE n = 0`);
      await tx.query(`DELETE FROM notice_stats_hourly WHERE n = 0`);
    }
    return folded;
  });
}
