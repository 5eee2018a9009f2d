import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@takedown/domain';
import type { TransparencyQuery, TransparencyView } from './stats.dto';

/** Sources whose notices the DSA asks to be counted apart (trusted flaggers, Art. 22) and hotlines alike. */
const TRUSTED_SOURCES = ['hotline', 'police', 'trusted_flagger'];

/** The figures of DSA Art. 15 / 24 transparency reports, counted in PostgreSQL over notices received in a period. */
@Injectable()
export class StatsService {
  constructor(private readonly db: DataSource) {}

  async transparency(q: TransparencyQuery): Promise<TransparencyView> {
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw new DomainError('REQUEST.INVALID', 'from must be before to', 'from');
    const customer = q.customer ?? null;
    const where = `received_at >= $1 AND received_at < $2 AND ($3::uuid IS NULL OR customer_id = $3)`;
    const params = [from, to, customer];
    // `column` is SQL written here, never input; values go as parameters.
    const group = async (column: string, extra: unknown[] = []) =>
      Object.fromEntries(
        (
          (await this.db.query(
            `SELECT ${column} AS key, count(*)::int AS n FROM notices WHERE ${where} GROUP BY 1 ORDER BY 1`,
            [...params, ...extra],
          )) as { key: string | null; n: number }[]
        ).map((r) => [r.key ?? 'open', r.n]),
      );
    const [byCategory, byOutcome, bySource] = await Promise.all([
      group('category'),
      group('outcome'),
      group(`CASE WHEN source_kind = ANY($4::text[]) THEN 'trusted' ELSE 'other' END`, [TRUSTED_SOURCES]),
    ]);
    const [figures] = (await this.db.query(
      `SELECT count(*)::int AS notices,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_removal_seconds) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY time_to_removal_seconds) AS p90,
              count(*) FILTER (WHERE removed_at <= received_at + interval '24 hours')::int AS within24,
              count(*) FILTER (WHERE received_at <= now() - interval '48 hours')::int AS old_enough,
              count(*) FILTER (WHERE received_at <= now() - interval '48 hours'
                AND (closed_at IS NULL OR closed_at > received_at + interval '48 hours'))::int AS open48,
              count(*) FILTER (WHERE outcome = 'suspended')::int AS suspensions
       FROM notices WHERE ${where}`,
      params,
    )) as {
      notices: number;
      median: number | null;
      p90: number | null;
      within24: number;
      old_enough: number;
      open48: number;
      suspensions: number;
    }[];
    const [{ terminations }] = (await this.db.query(
      `SELECT count(*)::int AS terminations FROM termination_cases
       WHERE status = 'terminated' AND closed_at >= $1 AND closed_at < $2 AND ($3::uuid IS NULL OR customer_id = $3)`,
      params,
    )) as { terminations: number }[];
    const percent = (n: number, of: number) => (of ? Math.round((1000 * n) / of) / 10 : null);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      customerId: customer,
      notices: figures.notices,
      byCategory,
      bySourceType: { trusted: bySource.trusted ?? 0, other: bySource.other ?? 0 },
      byOutcome,
      medianTimeToRemovalSeconds: figures.median === null ? null : Math.round(figures.median),
      p90TimeToRemovalSeconds: figures.p90 === null ? null : Math.round(figures.p90),
      percentRemovedWithin24h: percent(figures.within24, figures.notices),
      percentOpenAfter48h: percent(figures.open48, figures.old_enough),
      suspensions: figures.suspensions,
      terminations,
    };
  }
}

/** One `figure,key,value` row per number, for spreadsheets. */
export function transparencyCsv(v: TransparencyView): string {
  const rows: [string, string, string | number | null][] = [
    ['period', 'from', v.from],
    ['period', 'to', v.to],
    ['customer', 'id', v.customerId],
    ['notices', 'total', v.notices],
    ...Object.entries(v.byCategory).map(([k, n]): [string, string, number] => ['notices_by_category', k, n]),
    ...Object.entries(v.bySourceType).map(([k, n]): [string, string, number] => [
      'notices_by_source_type',
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
