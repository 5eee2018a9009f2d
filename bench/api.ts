/**
 * `npm run bench:api`: what the API's HTTP layer costs on top of the SQL it serves.
 *
 * Starts a throw-away embedded PostgreSQL on a free loopback port, migrates it, makes BENCH_NOTICES notices (default
 * 20,000) across 1,000 customers with a /24 each, and serves, in this process:
 *   - the real Nest API (`createApp`, a token of the abuse desk on every request);
 *   - a raw Fastify server with a `pg` pool of its own, no authentication, serving the same reads: the ceiling;
 *   - a bare Nest application on Fastify serving the raw server's answers, with none of the API's own guards,
 *     interceptors, pipes or logging: what the framework alone costs;
 * and measures each route four ways, side by side and taking turns in BENCH_ROUNDS rounds, so that all four see
 * the same machine load:
 *   - the route through the API,
 *   - its bare SQL on the API's own connection pool (the DataSource the route uses), without HTTP: the reads the
 *     route makes, by the same functions (`attribute`, `PgNoticeRepository`, `BreachForecasts`), so the same
 *     statements, prepared alike,
 *   - the route through the raw server,
 *   - the route through the bare Nest application;
 * at 1 and at 32 concurrent clients. The HTTP clients run in a worker thread (an event loop of their own), so that
 * the client's work does not count as the server's. Routes: attribution (`GET /v1/attribution`), one notice
 * (`GET /v1/notices/:id`) and the queue's first page (`GET /v1/notices?status=…&sort=deadline`).
 * Not a test: it prints figures (README, Performance) and removes everything it made.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Session } from 'node:inspector/promises';
import { Worker } from 'node:worker_threads';
import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv } from '@takedown/config';
import { freePort } from '@takedown/dev';
import { throwawayPostgres } from './throwaway-postgres';
import {
  PgNoticeRepository,
  attribute,
  createApiToken,
  dataSourceOptions,
  runMigrations,
} from '@takedown/persistence';
import { AppConfig } from '../apps/api/src/app-config';
import { createApp } from '../apps/api/src/create-app';
import { BreachForecasts } from '../apps/api/src/notices/breach-forecasts';

// Small values only to try the bench out (the test suite runs it so, so that it cannot rot).
const NOTICES = Number(process.env.BENCH_NOTICES ?? 20_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
/**
 * Requests to each server (and calls of the bare SQL) before each measure, not counted: plans cached, pools filled,
 * the JIT steady. The API's path is long (Nest, validation, logging): after a warm-up of 500, its requests over 2 ms
 * (attribution, 1 client) fell from 23 in the first 200 measured to 1–2 in 200 only after some 3,500 more, and its
 * p99 counted that warm-up (3.3–3.6 ms against 1.8–2.0 ms after 5,000).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
/** Some of the routes only, by name (`attribution,one notice`), to profile one at a time; default all. */
const ONLY = process.env.BENCH_ROUTES?.split(',').map((r) => r.trim());
const POOL_SIZE = 10;
/** A file to write a CPU profile of this process to, taken while the API serves its routes at the most clients. */
const PROFILE = process.env.BENCH_PROFILE;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/**
 * What each route reads, as its handler reads it, on `db`'s pool: the same functions, so the same statements (and
 * prepared alike). The abuse desk's token sees every notice, so the scope is everything.
 */
function readsOn(db: DataSource) {
  const notices = new PgNoticeRepository(db);
  const forecasts = new BreachForecasts(db);
  const everything = { all: true } as const;
  return {
    attribution: (ip: string, at: string) => attribute(db, ip, new Date(at)),
    // As `GET /v1/notices/:id`: the notice with its parts, and the forecast's history beside it.
    notice: (id: string) => Promise.all([notices.detail(id, everything), forecasts.read([id])]),
    // As `GET /v1/notices`: the page with its count, then the history of the page's open notices.
    queue: async (status: string) => {
      const page = await notices.page(
        { status: status as 'customer_notified', sort: 'deadline', limit: 50, offset: 0 },
        everything,
        ['abuse_desk'],
      );
      const now = Date.now();
      const open = page.rows.filter((n) => n.deadline && n.deadline.getTime() > now).map((n) => n.id);
      return { ...page, history: open.length ? await forecasts.read(open) : null };
    },
  };
}
type Reads = ReturnType<typeof readsOn>;

interface Route {
  name: string;
  /** The path for request i, on the API and on the raw server alike. */
  path: (i: number) => string;
  /** The route's reads for request i. */
  sql: (reads: Reads, i: number) => Promise<unknown>;
}

interface Measured {
  latencies: number[];
  seconds: number;
}

async function main(): Promise<void> {
  const pg = await throwawayPostgres('bench-api');
  const raw = Fastify({ logger: false });
  const rawDb = new DataSource(dataSourceOptions(pg.url, { poolSize: POOL_SIZE }));
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let nest: NestFastifyApplication | undefined;
  try {
    await runMigrations(pg.url);
    const seedPool = new Pool({ connectionString: pg.url, max: 1 });
    await seed(seedPool);
    const ips = (
      await seedPool.query<{ ip: string }>(`SELECT host(ip) AS ip FROM notices ORDER BY random() LIMIT 1000`)
    ).rows.map((r) => r.ip);
    const ids = (
      await seedPool.query<{ id: string }>(`SELECT id FROM notices ORDER BY random() LIMIT 1000`)
    ).rows.map((r) => r.id);
    await seedPool.end();
    const at = new Date().toISOString();
    const allRoutes: Route[] = [
      {
        name: 'attribution',
        path: (i) => `/v1/attribution?ip=${ips[i % ips.length]}&at=${encodeURIComponent(at)}`,
        sql: (reads, i) => reads.attribution(ips[i % ips.length], at),
      },
      {
        name: 'one notice',
        path: (i) => `/v1/notices/${ids[i % ids.length]}`,
        sql: (reads, i) => reads.notice(ids[i % ids.length]),
      },
      {
        name: 'queue, first page',
        path: () => `/v1/notices?status=customer_notified&sort=deadline&limit=50`,
        sql: (reads) => reads.queue('customer_notified'),
      },
    ];
    const routes = allRoutes.filter((r) => !ONLY || ONLY.includes(r.name));

    const env = loadEnv({
      DATABASE_URL: pg.url,
      // These routes need no Temporal; the client connects lazily and never does here.
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'warn',
      // A bench measures the API, not its rate limit.
      RATE_LIMIT_PER_MINUTE: '0',
      DATABASE_POOL_SIZE: String(POOL_SIZE),
    });
    app = await createApp(
      new AppConfig({ ...env, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string }),
    );
    const apiPort = await freePort();
    await app.listen(apiPort, '127.0.0.1');
    const apiDb = app.get(DataSource);
    const apiReads = readsOn(apiDb);
    const { token } = await createApiToken(apiDb, {
      name: 'bench-api',
      role: 'abuse_desk',
      createdBy: 'bench',
    });

    await rawDb.initialize();
    const serve = answers(readsOn(rawDb));
    for (const route of routes) {
      raw.get(
        route
          .path(0)
          .split('?')[0]
          .replace(/[0-9a-f-]{36}$/, ':id'),
        (req) => serve(route.name, req.query as Record<string, string>, (req.params as { id?: string }).id),
      );
    }
    const rawPort = await freePort();
    await raw.listen({ port: rawPort, host: '127.0.0.1' });
    nest = await bareNest(serve);
    const nestPort = await freePort();
    await nest.listen(nestPort, '127.0.0.1');
    log(
      `serving: the API on port ${apiPort}, the raw server on ${rawPort}, the bare Nest application on ${nestPort}`,
    );

    const clients = new HttpClients();
    try {
      const table: Row[] = [];
      for (const route of routes) {
        for (const concurrency of CONCURRENCY) {
          const runs = {
            api: [] as Measured[],
            sql: [] as Measured[],
            raw: [] as Measured[],
            nest: [] as Measured[],
          };
          // A warm-up of each, not counted (WARMUP).
          await clients.run(apiPort, route, WARMUP, concurrency, token);
          await clients.run(rawPort, route, WARMUP, concurrency);
          await clients.run(nestPort, route, WARMUP, concurrency);
          await sqlRun(apiReads, route, WARMUP, concurrency);
          for (let round = 0; round < ROUNDS; round++) {
            runs.api.push(await clients.run(apiPort, route, REQUESTS, concurrency, token));
            runs.sql.push(await sqlRun(apiReads, route, REQUESTS, concurrency));
            runs.raw.push(await clients.run(rawPort, route, REQUESTS, concurrency));
            runs.nest.push(await clients.run(nestPort, route, REQUESTS, concurrency));
          }
          table.push({ route: route.name, concurrency, ...merge(runs) });
          log(`${route.name} at ${concurrency} done`);
        }
      }
      print(table);
      if (PROFILE) await profileApi(routes, apiPort, token, clients);
    } finally {
      await clients.close();
    }
  } finally {
    // A connection still open when PostgreSQL stops hears its shutdown (57P01) as an error that nobody listens to
    // (which one is not found yet), ending the bench with exit 1 after its figures: once the figures are out, the
    // teardown's own shutdown notice is not a failure.
    process.on('uncaughtException', (err: Error & { code?: string }) => {
      if (err.code === '57P01') return;
      throw err;
    });
    const apiDb = app?.get(DataSource);
    await app?.close().catch(() => undefined);
    if (apiDb?.isInitialized) await apiDb.destroy().catch(() => undefined);
    await raw.close().catch(() => undefined);
    await nest?.close().catch(() => undefined);
    if (rawDb.isInitialized) await rawDb.destroy().catch(() => undefined);
    await pg.remove();
  }
}

/** What the raw server and the bare Nest application answer for a route: the reads, shaped as the API shapes them. */
function answers(reads: Reads) {
  return async (route: string, q: Record<string, string>, id?: string): Promise<unknown> => {
    if (route === 'attribution') return reads.attribution(q.ip, q.at);
    if (route === 'one notice') {
      const [found, history] = await reads.notice(id as string);
      return { ...found, history: history && { acted: [...history.acted] } };
    }
    const { rows, total, history } = await reads.queue(q.status);
    return { items: rows, total, history: history && { acted: [...history.acted] } };
  };
}

/**
 * Nest on Fastify with nothing of the API's own: one controller serving the same answers as the raw server, no
 * middleware, guard, pipe, interceptor or logger. Between the raw server and the API: what the framework costs, and
 * what the API's own pipeline adds.
 */
async function bareNest(serve: ReturnType<typeof answers>): Promise<NestFastifyApplication> {
  @Controller('v1')
  class BareController {
    @Get('attribution')
    attribution(@Query() q: Record<string, string>) {
      return serve('attribution', q);
    }

    @Get('notices/:id')
    notice(@Param('id') id: string) {
      return serve('one notice', {}, id);
    }

    @Get('notices')
    queue(@Query() q: Record<string, string>) {
      return serve('queue, first page', q);
    }
  }
  @Module({ controllers: [BareController] })
  class BareModule {}
  return NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
}

/**
 * A CPU profile of this process while the API serves every route at the most clients, written to BENCH_PROFILE, and
 * the share of the busy time by package (self time), printed: where the API's own cost goes.
 */
async function profileApi(routes: Route[], port: number, token: string, clients: HttpClients): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  for (const route of routes) await clients.run(port, route, REQUESTS, Math.max(...CONCURRENCY), token);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  fs.writeFileSync(PROFILE as string, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples?.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = profile.timeDeltas?.[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    busy += dt;
    const where = frame.url.includes('node_modules/')
      ? frame.url
          .split('node_modules/')
          .pop()!
          .split('/')
          .slice(0, frame.url.includes('/@') ? 2 : 1)
          .join('/')
      : frame.url.startsWith('node:')
        ? frame.url
        : frame.url
          ? path
              .relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))
              .split('/')
              .slice(0, 3)
              .join('/')
          : frame.functionName;
    self.set(where, (self.get(where) ?? 0) + dt);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
  process.stdout.write(
    `\nCPU profile of the API at ${Math.max(...CONCURRENCY)} clients (${PROFILE}), self time by package, share of busy time:\n` +
      top.map(([k, v]) => `  ${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`).join('\n') +
      '\n',
  );
}

/** Customers with a /24 each and notices in them, shaped as the workflows leave them, with five timeline events. */
async function seed(db: Pool): Promise<void> {
  const started = Date.now();
  await db.query(
    `INSERT INTO customers (reference, name, contract_type)
     SELECT 'BENCH-' || g, 'Bench tenant ' || g, 'colocation' FROM generate_series(0, 999) g`,
  );
  await db.query(
    `INSERT INTO prefix_assignments (customer_id, cidr, valid_from)
     SELECT id, set_masklen('10.0.0.0'::inet + (row_number() OVER (ORDER BY reference)) * 256, 24)::cidr,
            '2020-01-01'
     FROM customers`,
  );
  await db.query(
    `INSERT INTO notices (source_kind, source_name, source_reference, category, urls, ip, received_at, state,
                          deadline, policy_id, policy_version, workflow_id, customer_id)
     SELECT 'hotline', 'Bench Source', 'api-' || g, (ARRAY['csam', 'phishing', 'malware', 'spam'])[1 + g % 4],
            ARRAY['https://files.bench-' || (g % 997) || '.example/' || g],
            host(network(p.cidr) + 1 + g % 250)::inet, now() - (g % 1440) * interval '1 minute',
            CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'customer_notified' END,
            now() - (g % 1440) * interval '1 minute' + interval '24 hours', 'default', 1, 'notice-' || g, p.customer_id
     FROM generate_series(0, $1 - 1) g
     JOIN LATERAL (SELECT customer_id, cidr FROM prefix_assignments OFFSET g % 1000 LIMIT 1) p ON true`,
    [NOTICES],
  );
  await db.query(
    `INSERT INTO notice_events (notice_id, type, actor, data, occurred_at, idempotency_key)
     SELECT n.id, t.type, 'workflow', '{}'::jsonb, n.received_at + t.k * interval '1 second', n.id || ':' || t.k
     FROM notices n
     CROSS JOIN (VALUES (1, 'received'), (2, 'attributed'), (3, 'customer_notified'), (4, 'note'), (5, 'note')) t(k, type)`,
  );
  await db.query('VACUUM ANALYZE');
  log(`${NOTICES} notices made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The route's reads on the API's pool, `concurrency` callers at a time, `n` calls in all. */
async function sqlRun(reads: Reads, route: Route, n: number, concurrency: number): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = process.hrtime.bigint();
        await route.sql(reads, i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * HTTP clients in a worker thread, with keep-alive connections, one per concurrent client. The thread gets the
 * paths to call (they are cheap to make) and answers with the latencies it measured.
 */
class HttpClients {
  private readonly worker = new Worker(
    `
    const http = require('node:http');
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', async ({ port, paths, concurrency, token }) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      const headers = token ? { authorization: 'Bearer ' + token } : {};
      const latencies = [];
      let next = 0;
      let failed = null;
      const get = (path) => new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => res.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + res.statusCode + ' on ' + path)));
        }).on('error', reject);
      });
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < paths.length && !failed) {
          const path = paths[next++];
          const t = process.hrtime.bigint();
          try { await get(path); } catch (err) { failed = err.message; return; }
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }));
      agent.destroy();
      parentPort.postMessage({ latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9, failed });
    });
    `,
    { eval: true },
  );

  run(port: number, route: Route, n: number, concurrency: number, token?: string): Promise<Measured> {
    const paths = Array.from({ length: n }, (_, i) => route.path(i));
    return new Promise((resolve, reject) => {
      this.worker.once('message', (m: Measured & { failed: string | null }) =>
        m.failed ? reject(new Error(m.failed)) : resolve(m),
      );
      this.worker.postMessage({ port, paths, concurrency, token });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

interface Figures {
  p50: number;
  p99: number;
  perSecond: number;
}

interface Row {
  route: string;
  concurrency: number;
  api: Figures;
  sql: Figures;
  raw: Figures;
  nest: Figures;
}

/** Latencies pooled over the rounds; requests per second as the median of the rounds'. */
function merge(runs: Record<'api' | 'sql' | 'raw' | 'nest', Measured[]>): Omit<Row, 'route' | 'concurrency'> {
  const figures = (measured: Measured[]): Figures => {
    const sorted = measured.flatMap((m) => m.latencies).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    const rates = measured.map((m) => m.latencies.length / m.seconds).sort((a, b) => a - b);
    return { p50: at(0.5), p99: at(0.99), perSecond: rates[Math.floor(rates.length / 2)] };
  };
  return {
    api: figures(runs.api),
    sql: figures(runs.sql),
    raw: figures(runs.raw),
    nest: figures(runs.nest),
  };
}

function print(rows: Row[]): void {
  const ms = (v: number) => v.toFixed(2).padStart(6);
  const rate = (v: number) => Math.round(v).toString().padStart(6);
  const out = [
    `API benchmark: ${NOTICES.toLocaleString('en')} notices, ${REQUESTS} requests x ${ROUNDS} rounds per measure ` +
      `after a warm-up of ${WARMUP}, ` +
      `pool ${POOL_SIZE}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`,
    'Latency is the client-side round trip in ms; API and raw server over HTTP from a client thread, SQL in-process.',
    '',
    '| route             | clients | API p50 | API p99 | API req/s | SQL p50 | SQL p99 | raw p50 | raw p99 | raw req/s | API p50 / SQL p50 | API / raw req/s | Nest / raw req/s |',
    '|-------------------|---------|---------|---------|-----------|---------|---------|---------|---------|-----------|-------------------|-----------------|------------------|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.route.padEnd(17)} | ${String(r.concurrency).padStart(7)} | ${ms(r.api.p50)}  | ${ms(r.api.p99)}  | ` +
        `${rate(r.api.perSecond)}    | ${ms(r.sql.p50)}  | ${ms(r.sql.p99)}  | ${ms(r.raw.p50)}  | ${ms(r.raw.p99)}  | ` +
        `${rate(r.raw.perSecond)}    | ${`${(r.api.p50 / r.sql.p50).toFixed(2)}x`.padStart(17)} | ` +
        `${`${(r.api.perSecond / r.raw.perSecond).toFixed(2)}x`.padStart(15)} | ` +
        `${`${(r.nest.perSecond / r.raw.perSecond).toFixed(2)}x`.padStart(16)} |`,
    );
  }
  const one = rows.filter((r) => r.concurrency === 1);
  const many = rows.filter((r) => r.concurrency === Math.max(...CONCURRENCY));
  const attribution = one.find((r) => r.route === 'attribution');
  out.push(
    '',
    'Targets (issue #23): API p50 <= 2x its SQL at 1 client; attribution API p99 < 2 ms; at 32 clients API >= 0.8x the raw server.',
    `  1 client, API p50 / SQL p50: ${one.map((r) => `${r.route} ${(r.api.p50 / r.sql.p50).toFixed(2)}x`).join(', ')}`,
    `  attribution API p99 at 1 client: ${attribution ? `${attribution.api.p99.toFixed(2)} ms` : 'not measured'}`,
    // What HTTP alone costs on this machine: the raw server against the same targets.
    `  the raw server at 1 client, for scale: ${one
      .map(
        (r) =>
          `${r.route} p50 ${(r.raw.p50 / r.sql.p50).toFixed(2)}x its SQL, p99 ${r.raw.p99.toFixed(2)} ms`,
      )
      .join('; ')}`,
    `  ${Math.max(...CONCURRENCY)} clients, API / raw req/s: ${many
      .map((r) => `${r.route} ${(r.api.perSecond / r.raw.perSecond).toFixed(2)}x`)
      .join(', ')}`,
    `  ${Math.max(...CONCURRENCY)} clients, bare Nest on Fastify / raw req/s (the framework's floor): ${many
      .map((r) => `${r.route} ${(r.nest.perSecond / r.raw.perSecond).toFixed(2)}x`)
      .join(', ')}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
