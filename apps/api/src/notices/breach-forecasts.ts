import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { poolQuery } from '@takedown/persistence';
import type { NoticeState } from '@takedown/domain';
import {
  breachForecast,
  HISTORY_DAYS,
  RECENT_REMOVALS,
  typicalRemoval,
  type BreachForecast,
} from './breach-forecast';

/**
 * The removal history that forecasts for these notices ($1) go by: per customer and category, and per category across
 * customers, the median of the last RECENT_REMOVALS removals of the window, each read newest first from its index, so
 * that a queue read costs the same at any size; and which of the notices the customer has acted on (a removal claim
 * or a dispute). The notices' categories and customers are read here too, so that only their ids are needed.
 */
const FORECAST_SQL = `
  WITH k AS (SELECT category, customer_id FROM notices WHERE id = ANY($1::uuid[]))
  SELECT (SELECT coalesce(json_agg(f), '[]') FROM (
            SELECT p.category, p.customer_id, false AS across, m.seconds, m.removals
              FROM (SELECT DISTINCT category, customer_id FROM k WHERE customer_id IS NOT NULL) p
              CROSS JOIN LATERAL (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.t)::float8 AS seconds, count(*)::int AS removals
                  FROM (SELECT time_to_removal_seconds AS t FROM notices
                         WHERE time_to_removal_seconds IS NOT NULL AND category = p.category
                           AND customer_id = p.customer_id AND closed_at > now() - make_interval(days => $2)
                         ORDER BY closed_at DESC LIMIT $3) r) m
            UNION ALL
            SELECT c.category, NULL, true, m.seconds, m.removals
              FROM (SELECT DISTINCT category FROM k) c
              CROSS JOIN LATERAL (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.t)::float8 AS seconds, count(*)::int AS removals
                  FROM (SELECT time_to_removal_seconds AS t FROM notices
                         WHERE time_to_removal_seconds IS NOT NULL AND category = c.category
                           AND closed_at > now() - make_interval(days => $2)
                         ORDER BY closed_at DESC LIMIT $3) r) m) f) AS medians,
         ARRAY(SELECT DISTINCT notice_id::text FROM notice_events
                WHERE notice_id = ANY($1::uuid[]) AND type IN ('removal_claimed', 'disputed')) AS acted`;

interface Forecastable {
  id: string;
  category: string;
  customerId: string | null;
  state: NoticeState;
  deadline: string | null;
}

/** What `read` found: the medians by category and customer (a category's across customers under no customer). */
export interface RemovalHistory {
  medians: Map<string, { seconds: number; removals: number }>;
  acted: Set<string>;
}

/** What the queue needs to forecast a page of notices, read in one statement whatever the page's size. */
@Injectable()
export class BreachForecasts {
  constructor(private readonly db: DataSource) {}

  /** Each notice with its `forecast` (null where there is none: see `breachForecast`). */
  async of<T extends Forecastable>(notices: T[]): Promise<(T & { forecast: BreachForecast | null })[]> {
    const now = new Date();
    const open = notices.filter((n) => n.deadline && Date.parse(n.deadline) > now.getTime());
    return this.apply(notices, open.length ? await this.read(open.map((n) => n.id)) : null, now);
  }

  /** The history to forecast these notices by: needs their ids only, so it can be read beside the notices. */
  async read(ids: string[]): Promise<RemovalHistory> {
    const [{ medians, acted }] = await poolQuery<{
      medians: {
        category: string;
        customer_id: string | null;
        across: boolean;
        seconds: number;
        removals: number;
      }[];
      acted: string[];
    }>(this.db, {
      name: 'breach_forecast',
      text: FORECAST_SQL,
      values: [ids, HISTORY_DAYS, RECENT_REMOVALS],
    });
    return {
      medians: new Map(medians.map((m) => [`${m.category} ${m.across ? '' : m.customer_id}`, m])),
      acted: new Set(acted),
    };
  }

  /** Each notice with its forecast from `history` (read for them; null: none read, no forecasts). */
  apply<T extends Forecastable>(
    notices: T[],
    history: RemovalHistory | null,
    now = new Date(),
  ): (T & { forecast: BreachForecast | null })[] {
    if (!history) return notices.map((n) => ({ ...n, forecast: null }));
    const median = (category: string, customerId: string | null) =>
      history.medians.get(`${category} ${customerId ?? ''}`);
    return notices.map((n) => {
      const typical = typicalRemoval(
        n.customerId ? median(n.category, n.customerId) : undefined,
        median(n.category, null),
      );
      const forecast = breachForecast(
        {
          state: n.state,
          deadline: n.deadline ? new Date(n.deadline) : null,
          customerActed: history.acted.has(n.id),
        },
        typical,
        now,
      );
      return { ...n, forecast };
    });
  }
}
