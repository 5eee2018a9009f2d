import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { NOTIFIER_KINDS, NOTIFIER_OF_SOURCE, type NotifierKind, type SourceKind } from '@takedown/domain';
import { StatsFoldService } from '@takedown/api/stats/stats-fold.service';
import { StatsRollup1796080000000 } from '../../libs/persistence/src/migrations/1796080000000-StatsRollup';
import { authorizedHttp, type Http } from '../support/api';
import { storeCustomer } from '../support/customers';
import { ownDatabase } from '../support/own-database';

const H = 3_600_000;
const DAY = 24 * H;
const CATEGORIES = ['csam', 'phishing', 'malware', 'spam'];
const SOURCES = ['hotline', 'police', 'public', 'trusted_flagger'];
const OUTCOMES = [null, 'removed_in_time', 'removed_late', 'suspended', 'invalid'];

interface Row {
  id: string;
  customer_id: string;
  category: string;
  source_kind: string;
  outcome: string | null;
  received_at: Date;
  removed_at: Date | null;
  closed_at: Date | null;
  time_to_removal_seconds: number | null;
}

/** A seeded generator, so that a failure comes back the same. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The figures counted by hand from the rows, as the report defines them (the oracle the rollup must match). */
function expected(rows: Row[], from: Date, to: Date, customerId: string | null, now: number) {
  const period = rows.filter(
    (r) =>
      r.received_at >= from && r.received_at < to && (customerId === null || r.customer_id === customerId),
  );
  const countBy = (key: (r: Row) => string | null) => {
    const counts = new Map<string | null, number>();
    for (const r of period) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
    const keys = [...counts.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
    return Object.fromEntries(keys.map((k) => [k ?? 'open', counts.get(k)]));
  };
  const times = period
    .map((r) => r.time_to_removal_seconds)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  const percentile = (f: number) => {
    if (!times.length) return null;
    const x = f * (times.length - 1);
    const lo = Math.floor(x);
    return Math.round(times[lo] + (x - lo) * ((times[Math.ceil(x)] ?? times[lo]) - times[lo]));
  };
  const percent = (n: number, of: number) => (of ? Math.round((1000 * n) / of) / 10 : null);
  const old = period.filter((r) => r.received_at.getTime() <= now - 48 * H);
  // No removal orders here: each notice counts as its source kind's notifier kind.
  const byNotifierKind = Object.fromEntries(NOTIFIER_KINDS.map((k) => [k, 0])) as Record<
    NotifierKind,
    number
  >;
  for (const r of period) byNotifierKind[NOTIFIER_OF_SOURCE[r.source_kind as SourceKind]]++;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    customerId,
    notices: period.length,
    byCategory: countBy((r) => r.category),
    byNotifierKind,
    byOutcome: countBy((r) => r.outcome),
    medianTimeToRemovalSeconds: percentile(0.5),
    p90TimeToRemovalSeconds: percentile(0.9),
    percentRemovedWithin24h: percent(
      period.filter((r) => r.removed_at && r.removed_at.getTime() <= r.received_at.getTime() + DAY).length,
      period.length,
    ),
    percentOpenAfter48h: percent(
      old.filter((r) => !r.closed_at || r.closed_at.getTime() > r.received_at.getTime() + 48 * H).length,
      old.length,
    ),
    suspensions: period.filter((r) => r.outcome === 'suspended').length,
    terminations: 0,
  };
}

/**
 * The transparency figures from the daily rollup (migration StatsRollup): on a database of its own, notices are
 * inserted, changed (outcome, removal, closing, category, receipt moved to another day) and deleted at random, with
 * and without the deltas folded, and every figure over several periods (whole days, partial days, the day on which
 * notices turn 48 h old, one customer) must equal the figures counted by hand from the rows.
 */
describe('transparency stats from the daily rollup', () => {
  const own = ownDatabase('stats');
  const url = own.url;
  let db: DataSource;
  let app: INestApplication;
  let http: Http;
  let fold: StatsFoldService;
  const customers: string[] = [];
  const random = prng(20261204);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  let made = 0;

  /** A notice's stats columns at random, received at `receivedAt`. */
  const ago = (hours: number) => new Date(Date.now() - hours * H);
  const columns = (receivedAt: Date) => {
    const outcome = pick(OUTCOMES);
    // Removed (or not) some time after receipt, up to 3 days; closed with the outcome.
    const removedAfterS =
      outcome && outcome !== 'invalid' && random() < 0.8 ? Math.floor(random() * 72 * 3600) : null;
    const removedAt = removedAfterS === null ? null : new Date(receivedAt.getTime() + removedAfterS * 1000);
    const closedAt = outcome ? (removedAt ?? new Date(receivedAt.getTime() + random() * 96 * H)) : null;
    return [
      pick(CATEGORIES),
      pick(SOURCES),
      outcome,
      receivedAt,
      removedAt,
      closedAt,
      removedAfterS,
    ] as const;
  };

  const insert = async (n: number, when: () => Date) => {
    for (let i = 0; i < n; i++) {
      const [category, source, outcome, receivedAt, removedAt, closedAt, ttr] = columns(when());
      made++;
      await db.query(
        `INSERT INTO notices (source_kind, source_name, source_reference, category, urls, ip, received_at, state,
           outcome, deadline, policy_id, policy_version, workflow_id, customer_id, removed_at,
           time_to_removal_seconds, closed_at)
         VALUES ($1, 'Stats Source', $2, $3, ARRAY['https://files.stats.example/' || $2], '198.51.100.9', $4, $5, $6,
           $4::timestamptz + interval '24 hours', 'default', 1, 'notice-stats-' || $2, $7, $8, $9, $10)`,
        [
          source,
          `stats-${made}`,
          category,
          receivedAt,
          outcome ? 'closed' : 'customer_notified',
          outcome,
          pick(customers),
          removedAt,
          ttr,
          closedAt,
        ],
      );
    }
  };

  /** Hours ago: mostly over the last 12 days, some within half an hour of turning 48 h old. */
  const spread = () =>
    random() < 0.15 ? 48 + (random() < 0.5 ? -1 : 1) * (0.5 + random() * 5) : random() * 12 * 24;

  const rows = async () =>
    (await db.query(
      `SELECT id, customer_id, category, source_kind, outcome, received_at, removed_at, closed_at,
              time_to_removal_seconds FROM notices`,
    )) as Row[];

  /**
   * Periods: not on hour boundaries, on day boundaries, on hour boundaries (whole hours at the ends of whole days),
   * within one day, across the hour in which notices turn 48 h old, and one customer's over everything.
   */
  const periods = () => {
    const midnight = Math.floor(Date.now() / DAY) * DAY;
    const hour = Math.floor(Date.now() / H) * H;
    return [
      [new Date(hour - 11 * DAY - 7 * H), new Date(hour + 2 * H), null],
      [new Date(hour - 60 * H), new Date(hour - 20 * H), null],
      [new Date(hour - 49 * H), new Date(hour - 47 * H), null],
      [new Date(Date.now() - 13 * DAY - 5 * H), new Date(Date.now() + DAY), null],
      [new Date(midnight - 6 * DAY), new Date(midnight + DAY), null],
      [new Date(midnight - 2 * DAY), new Date(midnight), null],
      [new Date(Date.now() - 50 * H), new Date(Date.now() - 46 * H), null],
      [new Date(midnight - 4 * DAY + 3 * H), new Date(midnight - 3 * DAY + 20 * H), null],
      [new Date(Date.now() - 13 * DAY), new Date(Date.now() + DAY), customers[0]],
    ] as const;
  };

  const checkEveryPeriod = async () => {
    const all = await rows();
    for (const [from, to, customer] of periods()) {
      const res = await http
        .get('/v1/stats/transparency')
        .query({ from: from.toISOString(), to: to.toISOString(), ...(customer ? { customer } : {}) })
        .expect(200);
      expect({ period: [from, to, customer], figures: res.body as unknown }).toEqual({
        period: [from, to, customer],
        figures: expected(all, from, to, customer, Date.now()),
      });
    }
    return all;
  };

  beforeAll(async () => {
    await own.start();
    ({ db, app } = own);
    http = await authorizedHttp(app);
    fold = app.get(StatsFoldService);
    // The folds are this file's to make: the API's own, every 5 s, folded the deltas between the first test's insert
    // and its fold on a loaded machine (the fresh-clone run of 6 December 2026: its fold found nothing left).
    await fold.onApplicationShutdown();
    for (let i = 0; i < 3; i++) customers.push((await storeCustomer(db)).customer.id);
  }, 120_000);

  afterAll(() => own.stop());

  it('counts new notices exactly, before and after their deltas are folded into the rollups', async () => {
    await fold.fold();
    await insert(300, () => ago(spread()));
    // On the edges: at and just before every hour of the last three days and every midnight of the last twelve.
    const hour = Math.floor(Date.now() / H) * H;
    const edges = [
      ...Array.from({ length: 72 }, (_, k) => hour - k * H),
      ...Array.from({ length: 12 }, (_, k) => Math.floor(Date.now() / DAY) * DAY - k * DAY),
    ].flatMap((t) => [t, t - 1]);
    let edge = 0;
    await insert(edges.length, () => new Date(edges[edge++]));
    expect(Number((await db.query(`SELECT count(*) AS n FROM notice_stats_delta`))[0].n)).toBeGreaterThan(0);
    const all = await checkEveryPeriod();
    expect(all.filter((r) => r.time_to_removal_seconds !== null).length).toBeGreaterThan(50);

    expect(await fold.fold()).toBeGreaterThan(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM notice_stats_delta`))[0].n).toBe(0);
    for (const table of ['notice_stats_daily', 'notice_stats_hourly']) {
      const [{ n }] = (await db.query(`SELECT coalesce(sum(n), 0)::int AS n FROM ${table}`)) as {
        n: number;
      }[];
      expect({ table, n }).toEqual({ table, n: all.length });
    }
    await checkEveryPeriod();
  }, 120_000);

  it('follows notices as they change, move to another day and are deleted, folded or not', async () => {
    const ids = (await rows()).map((r) => r.id);
    for (const [i, id] of ids.entries()) {
      if (i % 3 !== 0) continue;
      const [category, source, outcome, receivedAt, removedAt, closedAt, ttr] = columns(ago(spread()));
      // Half keep their receipt (an outcome recorded later); half move, some to another day.
      await db.query(
        `UPDATE notices SET category = $2, source_kind = $3, outcome = $4, removed_at = $5, closed_at = $6,
           time_to_removal_seconds = $7, received_at = CASE WHEN $8 THEN $9 ELSE received_at END WHERE id = $1`,
        [id, category, source, outcome, removedAt, closedAt, ttr, i % 2 === 0, receivedAt],
      );
      if (i % 9 === 0) await fold.fold();
    }
    // A change of nothing the stats count appends no delta.
    await fold.fold();
    await db.query(`UPDATE notices SET state = state, urls = urls, category = category`);
    expect((await db.query(`SELECT count(*)::int AS n FROM notice_stats_delta`))[0].n).toBe(0);
    await db.query(`DELETE FROM notices WHERE id = ANY($1::uuid[])`, [ids.filter((_, i) => i % 7 === 1)]);
    await checkEveryPeriod();
    await fold.fold();
    await checkEveryPeriod();
  }, 120_000);

  it('lets writers append at once, in any order, without waiting on each other', async () => {
    const a = new Client({ connectionString: url });
    const b = new Client({ connectionString: url });
    await a.connect();
    await b.connect();
    const one = (c: Client, ref: string, category: string) =>
      c.query(
        `INSERT INTO notices (source_kind, source_name, source_reference, category, urls, ip, received_at, state,
           deadline, policy_id, policy_version, workflow_id, customer_id)
         VALUES ('hotline', 'Stats Source', $1, $2, ARRAY['https://files.stats.example/x'], '198.51.100.9', now(),
           'customer_notified', now() + interval '24 hours', 'default', 1, 'notice-' || $1, $3)`,
        [ref, category, customers[0]],
      );
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      // Opposite orders of the same keys: counters updated in place would lock each other here.
      await one(a, 'order-a-1', 'csam');
      await one(b, 'order-b-1', 'phishing');
      await Promise.all([one(a, 'order-a-2', 'phishing'), one(b, 'order-b-2', 'csam')]);
      await Promise.all([a.query('COMMIT'), b.query('COMMIT')]);
    } finally {
      await a.end();
      await b.end();
    }
    await checkEveryPeriod();
  }, 60_000);

  it('counts the notices stored before the migration (down, then up again)', async () => {
    const migration = new StatsRollup1796080000000();
    const runner = db.createQueryRunner();
    try {
      await runner.startTransaction();
      await migration.down(runner);
      await runner.commitTransaction();
      await insert(40, () => ago(spread())); // no trigger: nothing counts these but the migration's backfill
      await runner.startTransaction();
      await migration.up(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect((await db.query(`SELECT count(*)::int AS n FROM notice_stats_delta`))[0].n).toBe(0);
    await checkEveryPeriod();
  }, 60_000);

  it('empties the rollup when the notices are truncated', async () => {
    expect((await rows()).length).toBeGreaterThan(0);
    await db.query(`TRUNCATE notices CASCADE`);
    for (const table of ['notice_stats_daily', 'notice_stats_hourly']) {
      expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n).toBe(0);
    }
    const all = await checkEveryPeriod();
    expect(all).toEqual([]);
  });
});
