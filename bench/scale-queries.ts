/**
 * `npm run bench:scale-queries`: the abuse desk's list and the transparency stats at many notices, without waiting
 * for that many workflows to run. `npm run bench:scale` grows the open notices through the real intake and
 * workers, which on two cores takes long past 10,000; the queries only read PostgreSQL, so here the rows are made
 * by SQL in a throw-away embedded PostgreSQL, shaped like the workflows leave them:
 *   - BENCH_NOTICES (default 100,000) notices received over the last 90 days across 10,000 customers; about 2 % open
 *     past their deadline (escalated), 60 % open within it, the rest closed with an outcome and a time to removal;
 *     inserted as received, then attributed, then (the closed ones) closed: each row written three times, as the
 *     workflows write them, and not vacuumed (BENCH_VACUUM=1: vacuumed, the table at rest);
 *   - 5 timeline events per notice (received … customer_notified …), as the workflow records them.
 * Then the stats' deltas are folded (as the API does every few seconds), and through the API in this process
 * (GET /v1/notices?overdue=true, GET /v1/stats/transparency over the whole period, for everyone and for one
 * customer), BENCH_QUERIES calls each, first as migrated, then without the scale indexes (the down() of migration
 * 1796030000000), with EXPLAIN ANALYZE of the overdue count; the desk's search (`GET /v1/notices?sort=time_left&q=`)
 * by IP, CIDR, URL fragment, host, SHA-256 and source reference, as migrated, with EXPLAIN ANALYZE of a fragment; and before that the stats alone (the service, without
 * HTTP), taking turns: from the rollups (as they are) and from every notice of the period (as they were until
 * December 2026), which must agree. Last, the stats triggers' cost to writers, with and without them, taking turns
 * (BENCH_WRITE_ROUNDS rounds, default 6, of BENCH_WRITE_N notices, default 5,000).
 * Not a test: it prints figures.
 */
import 'reflect-metadata';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv } from '@takedown/config';
import { freePort } from '@takedown/dev';
import { throwawayPostgres } from './throwaway-postgres';
import { dataSourceOptions, foldNoticeStats, runMigrations } from '@takedown/persistence';
import { ScaleIndexes1796030000000 } from '../libs/persistence/src/migrations/1796030000000-ScaleIndexes';
import { AppConfig } from '../apps/api/src/app-config';
import { StatsService } from '../apps/api/src/stats/stats.service';
import { createApp } from '../apps/api/src/create-app';

const NOTICES = Number(process.env.BENCH_NOTICES ?? 100_000);
/** The data directory of an embedded PostgreSQL kept by `BENCH_KEEP=1 npm run bench:scale` (its notices are used). */
const KEPT = process.env.BENCH_DATA_DIR ? path.resolve(process.env.BENCH_DATA_DIR) : undefined;
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const VACUUM = Boolean(process.env.BENCH_VACUUM);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const pg = await throwawayPostgres('scale-queries', KEPT);
  const db = new PgClient({ connectionString: pg.url });
  await db.connect();
  try {
    log(`migrations: ${(await runMigrations(pg.url)).join(', ') || 'none to apply'}`);
    const started = Date.now();
    if (!KEPT) await seed(db);
    const N = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM notices')).rows[0].n);
    log(`${N} notices ${KEPT ? 'kept' : 'made'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (process.env.BENCH_HOLD) {
      // For EXPLAIN ANALYZE by hand: the database stays up until Ctrl-C.
      log(`holding ${pg.url}; Ctrl-C stops it`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
      return;
    }
    const token = await adminToken(pg.url);
    const apiPort = await freePort();
    const env = loadEnv({
      DATABASE_URL: pg.url,
      // The list and the stats never call Temporal (the client connects lazily): nothing listens here.
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '100000000',
    });
    const app = await createApp(
      new AppConfig({ ...env, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string }),
    );
    await app.listen(apiPort, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (route: string) => request(agent, apiPort, route, token);
    const from = new Date(Date.now() - 91 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const [{ id: customer }] = (
      await db.query<{ id: string }>(`SELECT id FROM customers WHERE reference = 'BENCH-42'`)
    ).rows;
    const routes = {
      'GET /v1/notices?overdue=true': '/v1/notices?overdue=true',
      'GET /v1/notices?sort=time_left (the queue)': '/v1/notices?sort=time_left',
      'GET /v1/stats/transparency': `/v1/stats/transparency?from=${from}&to=${to}`,
      // Up to now: today, a partial day, is read from the notices (the synthetic rows put 60 % of them in the last
      // 17 hours: the worst case).
      'GET /v1/stats/transparency, to now': `/v1/stats/transparency?from=${from}&to=${new Date().toISOString()}`,
      'GET /v1/stats/transparency, one customer': `/v1/stats/transparency?from=${from}&to=${to}&customer=${customer}`,
    };
    // The desk's search box, in the queue's order, each kind of text it takes (the notices seeded as `g` hold
    // address 100.64.0.0 + g, the SHA-256 of `bench-<g>` and reference `scale-<g>`).
    const g = Math.floor(N / 2) + 45;
    const ipOf = (n: number) => `100.64.${(n >> 8) & 255}.${n & 255}`;
    const sha = (
      await db.query<{ h: string }>(`SELECT encode(sha256($1::bytea), 'hex') AS h`, [`bench-${g}`])
    ).rows[0].h;
    const searches = {
      'search: IP': ipOf(g),
      'search: CIDR /24': `${ipOf(g & ~255)}/24`,
      'search: URL fragment': `example/${g}`,
      'search: host': `files.bench-${g % 997}.example`,
      'search: SHA-256': sha,
      'search: source reference': `scale-${g}`,
    };
    const searchRoute = (q: string) => `/v1/notices?sort=time_left&q=${encodeURIComponent(q)}`;
    const rows: string[][] = [];
    const overdueCount = `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY ON)
      SELECT count(*) FROM notices n WHERE n.state <> 'closed' AND n.deadline < now()`;
    const plans: string[] = [];
    const ds = await new DataSource(dataSourceOptions(pg.url)).initialize();
    try {
      // The API began folding as it started; wait until every delta is in the rollups.
      const folding = Date.now();
      const pending = async () =>
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notice_stats_delta')).rows[0].n;
      while ((await pending()) > 0) {
        if ((await foldNoticeStats(ds.manager)) === null) await new Promise((r) => setTimeout(r, 200));
      }
      log(`stats deltas folded after ${((Date.now() - folding) / 1000).toFixed(1)} s`);
      // The stats alone, turn about: from the rollups (now), and from every notice of the period (before).
      const stats = app.get(StatsService);
      const q = { from, to };
      const [fromRollup, fromNotices] = [
        await stats.transparency(q),
        await stats.transparency(q, { rollup: false }),
      ];
      if (JSON.stringify(fromRollup) !== JSON.stringify(fromNotices)) {
        throw new Error(
          `the rollup and the notices disagree: ${JSON.stringify({ fromRollup, fromNotices })}`,
        );
      }
      const ms = { now: [] as number[], before: [] as number[] };
      for (let i = 0; i < QUERIES; i++) {
        ms.now.push(await timedMs(() => stats.transparency(q)));
        ms.before.push(await timedMs(() => stats.transparency(q, { rollup: false })));
      }
      for (const [name, xs] of [
        ['stats service: rollups (now)', ms.now],
        ['stats service: every notice (before)', ms.before],
      ] as const) {
        const qs = quantiles(xs);
        rows.push(['as migrated', name, String(QUERIES), qs.p50.toFixed(1), qs.p99.toFixed(1)]);
      }
      const ratio = quantiles(ms.before).p50 / quantiles(ms.now).p50;
      rows.push(['as migrated', 'stats: before / now, p50', '', `${ratio.toFixed(1)}x`, '']);
      for (const [name, q] of Object.entries(searches)) {
        await get(searchRoute(q)); // warm
        const ms = await latencies(QUERIES, () => get(searchRoute(q)));
        rows.push([
          'as migrated',
          `GET /v1/notices?sort=time_left&q=, ${name}`,
          String(QUERIES),
          ms.p50.toFixed(1),
          ms.p99.toFixed(1),
        ]);
      }
      const fragmentSearch = `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY ON)
        SELECT id FROM notices n WHERE notice_urls_text(n.urls) ILIKE $1`;
      const fragmentPlan = (
        await db.query<{ 'QUERY PLAN': string }>(fragmentSearch, [`%${searches['search: URL fragment']}%`])
      ).rows.map((r) => r['QUERY PLAN']);
      plans.push('as migrated, URL fragment search:', ...fragmentPlan.map((l) => `    ${l}`));
      const queuePage = `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY ON)
        SELECT id FROM notices n ORDER BY n.state = 'closed', n.deadline NULLS LAST, n.received_at, n.id LIMIT 50`;
      const queuePlan = (await db.query<{ 'QUERY PLAN': string }>(queuePage)).rows.map(
        (r) => r['QUERY PLAN'],
      );
      plans.push(
        'as migrated, the queue’s first page (sort=time_left):',
        ...queuePlan.map((l) => `    ${l}`),
      );
      for (const variant of ['as migrated', 'without scale indexes'] as const) {
        if (variant === 'without scale indexes') {
          const runner = ds.createQueryRunner();
          await new ScaleIndexes1796030000000().down(runner);
          await runner.release();
          await db.query('ANALYZE notices');
        }
        for (const [name, route] of Object.entries(routes)) {
          await get(route); // warm
          const ms = await latencies(QUERIES, () => get(route));
          rows.push([variant, name, String(QUERIES), ms.p50.toFixed(1), ms.p99.toFixed(1)]);
        }
        const plan = (await db.query<{ 'QUERY PLAN': string }>(overdueCount)).rows.map(
          (r) => r['QUERY PLAN'],
        );
        plans.push(`${variant}, overdue count:`, ...plan.map((l) => `    ${l}`));
      }
      if (KEPT) {
        // A kept database stays as it was: its scale indexes back.
        const runner = ds.createQueryRunner();
        await new ScaleIndexes1796030000000().up(runner);
        await runner.release();
      }
    } finally {
      await ds.destroy();
      agent.destroy();
      await app.close();
    }
    const writes = await writeCost(db);
    const sizes = (
      await db.query<{ relname: string; t: string; i: string }>(
        `SELECT relname, pg_table_size(oid) AS t, pg_indexes_size(oid) AS i FROM pg_class
         WHERE relname IN ('notices', 'notice_events') ORDER BY relname`,
      )
    ).rows;
    const out = [
      `Query benchmark: ${N} notices (${KEPT ? `kept in ${KEPT}` : 'synthetic rows'}), ${QUERIES} calls each, one at a time, ${os.cpus().length} CPUs`,
      '',
      '| indexes | route | n | p50 ms | p99 ms |',
      '|---|---|--:|--:|--:|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      'EXPLAIN ANALYZE:',
      ...plans,
      '',
      ...sizes.map(
        (s) =>
          `${s.relname}: table ${(Number(s.t) / N).toFixed(0)} B/notice, indexes ${(Number(s.i) / N).toFixed(0)} B/notice (without the scale indexes)`,
      ),
      '',
      `The stats trigger's cost to writers (${WRITE_ROUNDS} rounds of ${WRITE_N} notices inserted, then ${WRITE_N / 2} ` +
        `closed, per statement; p50 of the rounds): with ${writes.with.toFixed(0)} ms, without ` +
        `${writes.without.toFixed(0)} ms, ratio ${(writes.with / writes.without).toFixed(2)}x`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await db.end();
    await pg.remove();
  }
}

const WRITE_ROUNDS = Number(process.env.BENCH_WRITE_ROUNDS ?? 6);
const WRITE_N = Number(process.env.BENCH_WRITE_N ?? 5_000);

/**
 * What the stats trigger costs the notices' writers: rounds of inserting WRITE_N notices and closing half of them,
 * with the trigger and with it disabled, taking turns; each round's notices are deleted again.
 */
async function writeCost(db: PgClient): Promise<{ with: number; without: number }> {
  const ms = { with: [] as number[], without: [] as number[] };
  const triggers = ['notices_stats_insert', 'notices_stats_update', 'notices_stats_delete'];
  for (let round = 0; round < 2 * WRITE_ROUNDS; round++) {
    const on = round % 2 === 0;
    for (const t of triggers) await db.query(`ALTER TABLE notices ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${t}`);
    const ref = `write-${round}-`;
    let ids: string[] = [];
    ms[on ? 'with' : 'without'].push(
      await timedMs(async () => {
        ids = (
          await db.query<{ id: string }>(
            `INSERT INTO notices (source_kind, source_name, source_reference, category, urls, ip, received_at, state,
                                  deadline, policy_id, policy_version, workflow_id)
             SELECT 'hotline', 'Bench Source', $1 || g, (ARRAY['csam', 'phishing', 'malware', 'spam'])[1 + g % 4],
                    ARRAY['https://files.bench.example/' || g], '100.64.0.1', now() - g * interval '1 minute',
                    'received', now() + interval '1 day', 'default', 1, 'notice-' || $1 || g
               FROM generate_series(1, $2) g
             RETURNING id`,
            [ref, WRITE_N],
          )
        ).rows.map((r) => r.id);
        await db.query(
          `UPDATE notices SET state = 'closed', outcome = 'removed_in_time', removed_at = now(), closed_at = now(),
                  time_to_removal_seconds = 3600
            WHERE id = ANY($1::uuid[])`,
          [ids.filter((_, i) => i % 2 === 0)],
        );
      }),
    );
    await db.query(`DELETE FROM notices WHERE id = ANY($1::uuid[])`, [ids]);
  }
  for (const t of triggers) await db.query(`ALTER TABLE notices ENABLE TRIGGER ${t}`);
  return { with: quantiles(ms.with).p50, without: quantiles(ms.without).p50 };
}

/** Notices and their timelines, in a few set-based statements. */
async function seed(db: PgClient): Promise<void> {
  await db.query(
    `INSERT INTO customers (reference, name, contract_type)
     SELECT 'BENCH-' || g, 'Bench tenant ' || g, 'colocation' FROM generate_series(0, 9999) g`,
  );
  await db.query(`
    CREATE TEMP TABLE bench_customers AS
      SELECT row_number() OVER (ORDER BY reference) - 1 AS k, id FROM customers WHERE reference LIKE 'BENCH-%'`);
  // Received: as intake stores them.
  await db.query(
    `INSERT INTO notices (source_kind, source_name, source_reference, category, urls, ip, received_at, state,
                          deadline, policy_id, policy_version, workflow_id, hashes)
     SELECT CASE WHEN g % 3 = 0 THEN 'hotline' ELSE 'public' END, 'Bench Source', 'scale-' || g,
            (ARRAY['csam', 'phishing', 'malware', 'spam'])[1 + g % 4],
            ARRAY['https://files.bench-' || (g % 997) || '.example/' || g], '100.64.0.0'::inet + g,
            r.received_at, 'received', r.received_at + interval '24 hours', 'default', 1, 'notice-' || g,
            jsonb_build_object('sha256', encode(sha256(('bench-' || g)::bytea), 'hex'))
     FROM generate_series(0, $1 - 1) g
     CROSS JOIN LATERAL (
       SELECT CASE WHEN g % 50 = 0 THEN now() - interval '2 days' - (g % 1000) * interval '1 minute'
                   WHEN g % 5 < 3 THEN now() - (g % 1000) * interval '1 minute'
                   ELSE now() - interval '3 days' - (g % 87) * interval '1 day' END AS received_at
     ) r`,
    [NOTICES],
  );
  await db.query(
    `INSERT INTO notice_reports (notice_id, source_kind, source_name, source_reference, received_at)
     SELECT id, source_kind, source_name, source_reference, received_at FROM notices`,
  );
  // Attributed and the customer notified (escalated: past the deadline), then the closed ones closed.
  const g = `substring(source_reference FROM 7)::int`;
  await db.query(
    `UPDATE notices n SET customer_id = c.id,
            state = CASE WHEN ${g} % 50 = 0 THEN 'escalated' ELSE 'customer_notified' END
       FROM bench_customers c WHERE c.k = ${g} % 10000`,
  );
  await db.query(
    `UPDATE notices SET state = 'closed', outcome = (ARRAY['removed_in_time', 'removed_late', 'invalid'])[1 + ${g} % 3],
            removed_at = received_at + (${g} % 40) * interval '1 hour', time_to_removal_seconds = (${g} % 40) * 3600,
            closed_at = received_at + (${g} % 40) * interval '1 hour'
      WHERE ${g} % 50 <> 0 AND ${g} % 5 >= 3`,
  );
  await db.query(
    `INSERT INTO notice_events (notice_id, type, actor, data, occurred_at, idempotency_key)
     SELECT n.id, t.type, 'workflow', '{}'::jsonb, n.received_at + t.k * interval '1 second', n.id || ':' || t.k || ':' || t.type
     FROM notices n
     CROSS JOIN (VALUES (1, 'received'), (2, 'attributed'), (3, 'customer_notified'), (4, 'note'), (5, 'duplicate_report')) t(k, type)`,
  );
  // As the workflows leave them: autovacuum may not have come by yet. Vacuumed, the visibility map lets reads of the
  // covering indexes skip the table.
  await db.query(VACUUM ? 'VACUUM ANALYZE' : 'ANALYZE');
}

async function adminToken(url: string): Promise<string | null> {
  const persistence = (await import('@takedown/persistence')) as unknown as Record<string, unknown>;
  const create = persistence.createApiToken as
    ((ds: DataSource, input: object) => Promise<{ token: string }>) | undefined;
  if (!create) return null;
  const ds = await new DataSource(dataSourceOptions(url)).initialize();
  try {
    return (await create(ds, { name: 'bench-scale-queries', role: 'admin', createdBy: 'bench:scale' })).token;
  } finally {
    await ds.destroy();
  }
}

function request(agent: http.Agent, port: number, route: string, token: string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: route,
        agent,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${route}: HTTP ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function latencies(n: number, one: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push(await timedMs(one));
  return quantiles(ms);
}

async function timedMs(one: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await one();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function quantiles(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const n = sorted.length;
  return { p50: sorted[Math.floor(0.5 * n)], p99: sorted[Math.min(n - 1, Math.floor(0.99 * n))] };
}

main().catch((err) => {
  process.stderr.write(`bench:scale-queries failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
