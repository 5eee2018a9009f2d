import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  DomainError,
  NOTIFIER_KINDS,
  NOTIFIER_OF_SOURCE,
  type NotifierKind,
  type SourceKind,
} from '@takedown/domain';
import {
  noticeStatsRows,
  removalTimeAt,
  type NoticeStatsPeriod,
  type NoticeStatsRow,
} from '@takedown/persistence';
import type { TransparencyQuery, TransparencyView } from './stats.dto';

/**
 * The figures of DSA Art. 15 / 24 transparency reports over notices received in a period. The counts come from the
 * rollups of the notices' keys (whole days, whole hours) and the notices themselves (the rest, `noticeStatsRows`); the
 * median and 90th percentile of the time to removal are exact: the histogram of the rows names the bucket of the
 * rank, and that bucket's notices give the value. All reads see one snapshot (REPEATABLE READ, read only).
 */
@Injectable()
export class StatsService {
  constructor(private readonly db: DataSource) {}

  /** `rollup: false` counts every notice of the period instead (as until December 2026; for the benchmark). */
  async transparency(
    q: TransparencyQuery,
    { rollup = true }: { rollup?: boolean } = {},
  ): Promise<TransparencyView> {
    const from = new Date(q.from);
    const to = new Date(q.to);
    // An empty period (from = to) is a valid question with an answer of zeros; only a reversed one is an error.
    if (from > to) throw new DomainError('REQUEST.INVALID', 'from must not be after to', 'from');
    const period: NoticeStatsPeriod = { from, to, customerId: q.customer ?? null };
    return this.db.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET TRANSACTION READ ONLY');
      const rows = await noticeStatsRows(m, period, { rollup });
      const [{ terminations }] = (await m.query(
        `SELECT count(*)::int AS terminations FROM termination_cases
          WHERE status = 'terminated' AND closed_at >= $1 AND closed_at < $2 AND ($3::uuid IS NULL OR customer_id = $3)`,
        [from, to, period.customerId],
      )) as { terminations: number }[];
      const sum = (pick: (r: NoticeStatsRow) => boolean) => rows.reduce((n, r) => n + (pick(r) ? r.n : 0), 0);
      const countBy = (key: (r: NoticeStatsRow) => string | null) => {
        const counts = new Map<string | null, number>();
        for (const r of rows) counts.set(key(r), (counts.get(key(r)) ?? 0) + r.n);
        // Keys in order, as the report has always listed them; no outcome yet (an open notice) last.
        return Object.fromEntries(
          [...counts.keys()]
            .sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
            .map((k) => [k ?? 'open', counts.get(k)!]),
        );
      };
      const notices = sum(() => true);
      const byNotifierKind = await notifierKinds(m, period, rows);
      const histogram = new Map<number, number>();
      for (const r of rows) if (r.bucket >= 0) histogram.set(r.bucket, (histogram.get(r.bucket) ?? 0) + r.n);
      const [median, p90] = await percentiles(m, period, histogram, [0.5, 0.9]);
      const percent = (n: number, of: number) => (of ? Math.round((1000 * n) / of) / 10 : null);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        customerId: period.customerId,
        notices,
        byCategory: countBy((r) => r.category),
        byNotifierKind,
        byOutcome: countBy((r) => r.outcome),
        medianTimeToRemovalSeconds: median === null ? null : Math.round(median),
        p90TimeToRemovalSeconds: p90 === null ? null : Math.round(p90),
        percentRemovedWithin24h: percent(
          sum((r) => r.removedWithin24h),
          notices,
        ),
        percentOpenAfter48h: percent(
          sum((r) => r.oldEnough && r.openAfter48h),
          sum((r) => r.oldEnough),
        ),
        suspensions: sum((r) => r.outcome === 'suspended'),
        terminations,
      };
    });
  }
}

/**
 * Notices by who sent them, as the Art. 15 report counts them (`@takedown/domain` dsa.ts): the rollups know the
 * source kind; the notices that carry a removal order, few, are read apart and counted as the authority's orders.
 */
async function notifierKinds(
  m: EntityManager,
  period: NoticeStatsPeriod,
  rows: NoticeStatsRow[],
): Promise<Record<NotifierKind, number>> {
  const counts = Object.fromEntries(NOTIFIER_KINDS.map((k) => [k, 0])) as Record<NotifierKind, number>;
  const kindOf = (source: string): NotifierKind => NOTIFIER_OF_SOURCE[source as SourceKind] ?? 'other';
  for (const r of rows) counts[kindOf(r.sourceKind)] += r.n;
  const orders = (await m.query(
    `SELECT n.source_kind AS "sourceKind", count(*)::int AS n FROM notices n
      WHERE n.received_at >= $1 AND n.received_at < $2 AND ($3::uuid IS NULL OR n.customer_id = $3)
        AND EXISTS (SELECT 1 FROM removal_orders o WHERE o.notice_id = n.id)
      GROUP BY n.source_kind`,
    [period.from, period.to, period.customerId],
  )) as { sourceKind: string; n: number }[];
  for (const o of orders) {
    counts[kindOf(o.sourceKind)] -= o.n;
    counts.authority_order += o.n;
  }
  return counts;
}

/**
 * Continuous percentiles as PostgreSQL's percentile_cont takes them (interpolated between the two nearest ranks),
 * each from at most two notices' times to removal; null without any.
 */
async function percentiles(
  m: EntityManager,
  period: NoticeStatsPeriod,
  histogram: Map<number, number>,
  fractions: number[],
): Promise<(number | null)[]> {
  const count = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (!count) return fractions.map(() => null);
  const at = new Map<number, number>();
  const valueAt = async (rank: number) => {
    if (!at.has(rank)) at.set(rank, await removalTimeAt(m, period, histogram, rank));
    return at.get(rank)!;
  };
  const out: number[] = [];
  for (const f of fractions) {
    const x = f * (count - 1);
    const lo = Math.floor(x);
    const low = await valueAt(lo);
    out.push(x === lo ? low : low + (x - lo) * ((await valueAt(lo + 1)) - low));
  }
  return out;
}

/** One `figure,key,value` row per number, for spreadsheets. */
export function transparencyCsv(v: TransparencyView): string {
  const rows: [string, string, string | number | null][] = [
    ['period', 'from', v.from],
    ['period', 'to', v.to],
    ['customer', 'id', v.customerId],
    ['notices', 'total', v.notices],
    ...Object.entries(v.byCategory).map(([k, n]): [string, string, number] => ['notices_by_category', k, n]),
    ...Object.entries(v.byNotifierKind).map(([k, n]): [string, string, number] => [
      'notices_by_notifier_kind',
      k,
      n,
    ]),
    ...Object.entries(v.byOutcome).map(([k, n]): [string, string, number] => ['actions_by_outcome', k, n]),
    ['time_to_removal_seconds', 'median', v.medianTimeToRemovalSeconds],
    ['time_to_removal_seconds', 'p90', v.p90TimeToRemovalSeconds],
    ['percent', 'removed_within_24h', v.percentRemovedWithin24h],
    ['percent', 'open_after_48h', v.percentOpenAfter48h],
    ['suspensions', 'total', v.suspensions],
    ['terminations', 'total', v.terminations],
  ];
  return (
    ['figure,key,value', ...rows.map((r) => r.map((c) => (c === null ? '' : String(c))).join(','))].join(
      '\n',
    ) + '\n'
  );
}
