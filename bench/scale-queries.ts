/**
 * `npm run bench:scale-queries`: the abuse desk's list and the transparency stats at many notices, without waiting
 * for that many workflows to run. `npm run bench:scale` grows the open notices through the real intake and
 * workers, which on two cores takes long past 10,000; the queries only read PostgreSQL, so here the rows are made
 * by SQL in a throw-away embedded PostgreSQL, shaped like the workflows leave them:
 *   - BENCH_NOTICES (default 100,000) notices received over the last 90 days across 10,000 customers; about 2 % open
 *     past their deadline (escalated), 60 % open within it, the rest closed with an outcome and a time to removal;
 *   - 5 timeline events per notice (received … customer_notified …), as the workflow records them.
 * Then, through the API in this process (GET /v1/notices?overdue=true and GET /v1/stats/transparency over the
 * whole period), BENCH_QUERIES calls each, first as migrated, then without the scale indexes (the down() of
 * migration 1796030000000), with EXPLAIN ANALYZE of the overdue count and of the stats' read; and before that the
 * stats' SQL alone, as it is (one read of the period) and as it was (four), taking turns. Not a test: it prints
 * figures.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv } from '@takedown/config';
import { freePort, startEmbeddedPostgres } from '@takedown/dev-stack';
import { dataSourceOptions, runMigrations } from '@takedown/persistence';
import { ScaleIndexes1796030000000 } from '../libs/persistence/src/migrations/1796030000000-ScaleIndexes';
import { AppConfig } from '../apps/api/src/app-config';
import { PERIOD_FIGURES, TRUSTED_SOURCES } from '../apps/api/src/stats/stats.service';
import { createApp } from '../apps/api/src/create-app';

const N = Number(process.env.BENCH_NOTICES ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-scale-queries-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: await freePort() });
  const db = new PgClient({ connectionString: pg.url });
  await db.connect();
  try {
    await runMigrations(pg.url);
    const started = Date.now();
    await seed(db);
    log(`${N} notices made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
    const routes = {
      'GET /v1/notices?overdue=true': '/v1/notices?overdue=true',
      'GET /v1/stats/transparency': `/v1/stats/transparency?from=${from}&to=${to}`,
    };
    const rows: string[][] = [];
    const overdueCount = `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY ON)
      SELECT count(*) FROM notices n WHERE n.state <> 'closed' AND n.deadline < now()`;
    const statsFigures = `EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY ON) ${PERIOD_FIGURES}`;
    const plans: string[] = [];
    const ds = await new DataSource(dataSourceOptions(pg.url)).initialize();
    try {
      // The stats' reads of the period alone, on one connection, turn about: as they are now, and as they were
      // until December 2026 (a count per breakdown, then the figures: four reads of the period's notices).
      const period = [from, to, null];
      const now = () => db.query(PERIOD_FIGURES, [...period, TRUSTED_SOURCES]);
      const before = async () => {
        const where = `received_at >= $1 AND received_at < $2 AND ($3::uuid IS NULL OR customer_id = $3)`;
        for (const [column, extra] of [
          ['category', []],
          ['outcome', []],
          [`CASE WHEN source_kind = ANY($4::text[]) THEN 'trusted' ELSE 'other' END`, [TRUSTED_SOURCES]],
        ] as const) {
          await db.query(
            `SELECT ${column} AS key, count(*)::int AS n FROM notices WHERE ${where} GROUP BY 1 ORDER BY 1`,
            [...period, ...extra],
          );
        }
        await db.query(
          `SELECT count(*)::int AS notices,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_removal_seconds) AS median,
                  percentile_cont(0.9) WITHIN GROUP (ORDER BY time_to_removal_seconds) AS p90,
                  count(*) FILTER (WHERE removed_at <= received_at + interval '24 hours')::int AS within24,
                  count(*) FILTER (WHERE received_at <= now() - interval '48 hours')::int AS old_enough,
                  count(*) FILTER (WHERE received_at <= now() - interval '48 hours'
                    AND (closed_at IS NULL OR closed_at > received_at + interval '48 hours'))::int AS open48,
                  count(*) FILTER (WHERE outcome = 'suspended')::int AS suspensions
             FROM notices WHERE ${where}`,
          period,
        );
      };
      const sql = { now: [] as number[], before: [] as number[] };
      await now();
      await before();
      for (let i = 0; i < QUERIES; i++) {
        sql.now.push(await timedMs(now));
        sql.before.push(await timedMs(before));
      }
      for (const [name, ms] of [
        ['SQL: stats, one read (now)', sql.now],
        ['SQL: stats, four reads (before)', sql.before],
      ] as const) {
        const q = quantiles(ms);
        rows.push(['as migrated', name, String(QUERIES), q.p50.toFixed(1), q.p99.toFixed(1)]);
      }
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
        for (const [what, sql, params] of [
          ['overdue count', overdueCount, []],
          ['stats figures', statsFigures, [from, to, null, TRUSTED_SOURCES]],
        ] as const) {
          const plan = (await db.query<{ 'QUERY PLAN': string }>(sql, [...params])).rows.map(
            (r) => r['QUERY PLAN'],
          );
          plans.push(`${variant}, ${what}:`, ...plan.map((l) => `    ${l}`));
        }
      }
    } finally {
      await ds.destroy();
      agent.destroy();
      await app.close();
    }
    const sizes = (
      await db.query<{ relname: string; t: string; i: string }>(
        `SELECT relname, pg_table_size(oid) AS t, pg_indexes_size(oid) AS i FROM pg_class
         WHERE relname IN ('notices', 'notice_events') ORDER BY relname`,
      )
    ).rows;
    const out = [
      `Query benchmark: ${N} notices (synthetic rows), ${QUERIES} calls each, one at a time, ${os.cpus().length} CPUs`,
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
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await db.end();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
  await db.query(
    `INSERT INTO notices (source_kind, source_name, source_reference, category, urls, ip, received_at, state, outcome,
                          deadline, policy_id, policy_version, workflow_id, customer_id, removed_at,
                          time_to_removal_seconds, closed_at)
     SELECT CASE WHEN g % 3 = 0 THEN 'hotline' ELSE 'public' END, 'Bench Source', 'scale-' || g,
            (ARRAY['csam', 'phishing', 'malware', 'spam'])[1 + g % 4],
            ARRAY['https://files.bench-' || (g % 997) || '.example/' || g], '100.64.0.1',
            r.received_at,
            CASE WHEN r.kind = 'overdue' THEN 'escalated' WHEN r.kind = 'open' THEN 'customer_notified' ELSE 'closed' END,
            CASE WHEN r.kind = 'closed' THEN (ARRAY['removed_in_time', 'removed_late', 'invalid'])[1 + g % 3] END,
            r.received_at + interval '24 hours', 'default', 1, 'notice-' || g, c.id,
            CASE WHEN r.kind = 'closed' THEN r.received_at + (g % 40) * interval '1 hour' END,
            CASE WHEN r.kind = 'closed' THEN (g % 40) * 3600 END,
            CASE WHEN r.kind = 'closed' THEN r.received_at + (g % 40) * interval '1 hour' END
     FROM generate_series(0, $1 - 1) g
     JOIN bench_customers c ON c.k = g % 10000
     CROSS JOIN LATERAL (
       SELECT CASE WHEN g % 50 = 0 THEN 'overdue' WHEN g % 5 < 3 THEN 'open' ELSE 'closed' END AS kind,
              CASE WHEN g % 50 = 0 THEN now() - interval '2 days' - (g % 1000) * interval '1 minute'
                   WHEN g % 5 < 3 THEN now() - (g % 1000) * interval '1 minute'
                   ELSE now() - interval '3 days' - (g % 87) * interval '1 day' END AS received_at
     ) r`,
    [N],
  );
  await db.query(
    `INSERT INTO notice_events (notice_id, type, actor, data, occurred_at, idempotency_key)
     SELECT n.id, t.type, 'workflow', '{}'::jsonb, n.received_at + t.k * interval '1 second', n.id || ':' || t.k || ':' || t.type
     FROM notices n
     CROSS JOIN (VALUES (1, 'received'), (2, 'attributed'), (3, 'customer_notified'), (4, 'note'), (5, 'duplicate_report')) t(k, type)`,
  );
  // Autovacuum would get there in time: the visibility map lets the stats read the covering index alone.
  await db.query('VACUUM ANALYZE');
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
