import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NoticeState } from '@takedown/domain';
import {
  breachForecast,
  HISTORY_DAYS,
  RECENT_REMOVALS,
  typicalRemoval,
  type BreachForecast,
} from './breach-forecast';

interface Forecastable {
  id: string;
  category: string;
  customerId: string | null;
  state: NoticeState;
  deadline: string | null;
}

/** What the queue needs to forecast a page of notices, read in two statements whatever the page's size. */
@Injectable()
export class BreachForecasts {
  constructor(private readonly db: DataSource) {}

  /** Each notice with its `forecast` (null where there is none: see `breachForecast`). */
  async of<T extends Forecastable>(notices: T[]): Promise<(T & { forecast: BreachForecast | null })[]> {
    const now = new Date();
    const open = notices.filter((n) => n.deadline && Date.parse(n.deadline) > now.getTime());
    if (!open.length) return notices.map((n) => ({ ...n, forecast: null }));
    const categories = [...new Set(open.map((n) => n.category))];
    const pairs = [
      ...new Set(open.flatMap((n) => (n.customerId ? [`${n.category} ${n.customerId}`] : []))),
    ].map((key) => key.split(' '));
    const [medians, acted] = await Promise.all([
      // Per customer and category, and per category across customers: the median of the last RECENT_REMOVALS
      // removals of the window, each read newest first from its index, so a queue read costs the same at any size.
      this.db.query<
        { category: string; customer_id: string | null; across: boolean; seconds: number; removals: number }[]
      >(
        `SELECT k.category, k.customer_id, false AS across, m.seconds, m.removals
           FROM unnest($1::text[], $2::uuid[]) AS k(category, customer_id)
           CROSS JOIN LATERAL (
             SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.t)::float8 AS seconds, count(*)::int AS removals
               FROM (SELECT time_to_removal_seconds AS t FROM notices
                      WHERE time_to_removal_seconds IS NOT NULL AND category = k.category
                        AND customer_id = k.customer_id AND closed_at > now() - make_interval(days => $4)
                      ORDER BY closed_at DESC LIMIT $5) r) m
         UNION ALL
         SELECT k.category, NULL, true, m.seconds, m.removals
           FROM unnest($3::text[]) AS k(category)
           CROSS JOIN LATERAL (
             SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.t)::float8 AS seconds, count(*)::int AS removals
               FROM (SELECT time_to_removal_seconds AS t FROM notices
                      WHERE time_to_removal_seconds IS NOT NULL AND category = k.category
                        AND closed_at > now() - make_interval(days => $4)
                      ORDER BY closed_at DESC LIMIT $5) r) m`,
        [pairs.map(([c]) => c), pairs.map(([, id]) => id), categories, HISTORY_DAYS, RECENT_REMOVALS],
      ),
      this.db.query<{ notice_id: string }[]>(
        `SELECT DISTINCT notice_id FROM notice_events
          WHERE notice_id = ANY($1::uuid[]) AND type IN ('removal_claimed', 'disputed')`,
        [open.map((n) => n.id)],
      ),
    ]);
    const actedIds = new Set(acted.map((r) => r.notice_id));
    const median = (category: string, customerId: string | null) =>
      medians.find((m) => m.category === category && (customerId ? m.customer_id === customerId : m.across));
    return notices.map((n) => {
      const typical = typicalRemoval(
        n.customerId ? median(n.category, n.customerId) : undefined,
        median(n.category, null),
      );
      const forecast = breachForecast(
        {
          state: n.state,
          deadline: n.deadline ? new Date(n.deadline) : null,
          customerActed: actedIds.has(n.id),
        },
        typical,
        now,
      );
      return { ...n, forecast };
    });
  }
}
