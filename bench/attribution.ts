/**
 * `npm run bench:attribution`: how fast `attribute(ip, at)` is on 1,000,000 prefix assignments.
 *
 * Starts a throw-away embedded PostgreSQL on a free loopback port, migrates it, bulk-loads random IPv4 and IPv6
 * assignments with nested sub-allocations and history, then measures in one run:
 *   - the attribution query (ATTRIBUTION_SQL, as attribute() runs it) through each candidate index alone (SP-GiST,
 *     GiST on cidr inet_ops) and on the schema as migrated;
 *   - the same query with index scans disabled (sequential scan);
 *   - `SELECT 1` on the same connection, the round trip no lookup can beat. It runs interleaved with the lookups,
 *     one after the other, so that both see the same machine load (on a shared machine the floor alone drifts 3x);
 *   - GET /v1/attribution through the API, in-process on a loopback port.
 * Not a test: it prints figures (README, Performance) and removes everything it made.
 */
import 'reflect-metadata';
import * as http from 'node:http';
import * as os from 'node:os';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv } from '@takedown/config';
import { freePort } from '@takedown/dev';
import { throwawayPostgres } from './throwaway-postgres';
import { ATTRIBUTION_SQL, createApiToken, runMigrations } from '@takedown/persistence';
import { AppConfig } from '../apps/api/src/app-config';
import { createApp } from '../apps/api/src/create-app';

// BENCH_ROWS and BENCH_LOOKUPS only to try the bench out quickly (the test suite runs it so, so that it cannot rot);
// the figures in the README are for 1,000,000 rows and 20,000 lookups.
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 20_000);
const SEQ_LOOKUPS = Math.min(40, LOOKUPS);
const API_LOOKUPS = Math.ceil(LOOKUPS / 2);
const AT = '2026-06-01T00:00:00Z';
/** Calls before measuring: caches, cached plans and the JIT reach steady state; they are not counted. */
const WARM_UP = Math.min(1000, LOOKUPS);

interface Result {
  name: string;
  latencies: number[];
  /** The floor measured interleaved with this result, for the ratio. */
  floor?: Result;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const pg = await throwawayPostgres('bench');
  const db = new Client({ connectionString: pg.url });
  // Cached plans do not notice a changed enable_indexscan: the sequential case gets a session of its own.
  const seqDb = new Client({
    connectionString: pg.url,
    options: '-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off',
  });
  try {
    await runMigrations(pg.url);
    await db.connect();
    await seqDb.connect();
    await load(db, ROWS, log);
    const ips = await sampleAddresses(db, 2000);
    const rows = Number((await db.query('SELECT count(*) FROM prefix_assignments')).rows[0].count);
    const results: Result[] = [];
    const notes: string[] = [];
    let n = 0;
    const lookup = (client: Client) => () =>
      client.query({ name: 'attribute', text: ATTRIBUTION_SQL, values: [ips[n++ % ips.length], AT] });

    // Each candidate alone: the migrated index is dropped inside a transaction that is rolled back afterwards.
    const candidates = [
      { name: 'SP-GiST', index: 'bench_spgist', method: 'spgist' },
      { name: 'GiST', index: 'bench_gist', method: 'gist' },
    ];
    for (const c of candidates) {
      await db.query('BEGIN');
      await db.query('DROP INDEX ix_prefix_assignments_cidr');
      const built = Date.now();
      await db.query(`CREATE INDEX ${c.index} ON prefix_assignments USING ${c.method} (cidr inet_ops)`);
      const seconds = ((Date.now() - built) / 1000).toFixed(1);
      await db.query('ANALYZE prefix_assignments');
      notes.push(
        `${c.name}: built in ${seconds} s, ${await indexSize(db, c.index, rows)}; ${await planOf(db, ips[0])}`,
      );
      results.push(await interleaved(`index: ${c.name} only`, db, LOOKUPS, lookup(db), log));
      await db.query('ROLLBACK');
    }

    notes.push(
      `as migrated: ${await indexSize(db, 'ix_prefix_assignments_cidr', rows)}; ${await planOf(db, ips[0])}`,
    );
    const index = await interleaved('index: as migrated', db, LOOKUPS, lookup(db), log);
    results.push(index);
    notes.push(`sequential: ${await planOf(seqDb, ips[0])}`);
    const seq = await timed('sequential scan', SEQ_LOOKUPS, lookup(seqDb), log);
    results.push(seq);
    const api = await apiLookups(pg.url, ips, log);
    results.push(api);

    const version = (await db.query('SHOW server_version')).rows[0].server_version as string;
    print(results, { rows, version, notes }, { index, seq, api });
  } finally {
    await seqDb.end().catch(() => undefined);
    await db.end().catch(() => undefined);
    await pg.remove();
  }
}

/**
 * Customers and assignments in a few set-based statements. The secondary indexes are dropped while loading and
 * rebuilt from their own definitions afterwards, which is several times faster than maintaining them
 * row by row. Per 1000 rows: 330 /24 (IPv4) or /48 (IPv6) blocks, 50 of them with an earlier holder (history),
 * 100 sub-allocations (/26, /56) inside those blocks and 20 sub-sub-allocations (/29, /64) inside those.
 */
async function load(db: Client, rows: number, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const perFamily = Math.floor(rows / 2);
  const blocks = Math.floor(perFamily * 0.33);
  const history = Math.floor(perFamily * 0.05);
  const subs = Math.floor(perFamily * 0.1);
  const subSubs = perFamily - blocks - history - subs;
  const customers = Math.max(1000, Math.floor(rows / 10));
  log(`loading ${customers} customers and ${rows} assignments`);
  await db.query(
    `INSERT INTO customers (reference, name, contract_type, language)
     SELECT 'B-' || i, 'Bench customer ' || i,
            (ARRAY['colocation','dedicated','unmanaged','reseller','managed'])[1 + i % 5],
            CASE WHEN i % 3 = 0 THEN 'nl' ELSE 'en' END
     FROM generate_series(1, $1::int) i`,
    [customers],
  );
  await db.query(`CREATE TEMP TABLE bench_customers AS SELECT row_number() OVER () AS n, id FROM customers`);
  await db.query(`CREATE UNIQUE INDEX ON bench_customers (n)`);
  const indexes = (
    await db.query(
      `SELECT indexname AS name, indexdef AS ddl FROM pg_indexes
       WHERE tablename = 'prefix_assignments' AND indexname <> 'prefix_assignments_pkey'`,
    )
  ).rows as { name: string; ddl: string }[];
  for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);
  // k(i) = i * an odd constant mod 2^24 (IPv4) or 2^32 (IPv6) is a bijection: distinct, scattered blocks.
  const v4Block = `set_masklen('0.0.0.0'::inet + ((i::bigint * 2654435761) % 16777216) * 256, 24)`;
  const v6Block = (extra: string, len: number) =>
    `format('2a00:%s:%s:%s::/${len}', to_hex(((i::bigint * 2654435761) % 4294967296) >> 16),
            to_hex(((i::bigint * 2654435761) % 4294967296) & 65535), to_hex(${extra}))::cidr`;
  const customer = (expr: string) =>
    `(SELECT id FROM bench_customers WHERE n = 1 + (${expr}) % ${customers})`;
  const insert = (count: number, cidr: string, owner: string, from: string, to: string) =>
    db.query(
      `INSERT INTO prefix_assignments (customer_id, cidr, valid_from, valid_to)
       SELECT ${customer(owner)}, ${cidr}, ${from}, ${to} FROM generate_series(1, $1::int) i`,
      [count],
    );
  const current = `'2021-01-01'::timestamptz`;
  await insert(blocks, `${v4Block}::cidr`, 'i', current, 'NULL');
  await insert(history, `${v4Block}::cidr`, 'i * 7', `'2015-01-01'::timestamptz`, current);
  await insert(subs, `set_masklen(${v4Block} + 64 * (i % 4), 26)::cidr`, 'i * 3', current, 'NULL');
  await insert(
    subSubs,
    `set_masklen(${v4Block} + 64 * (i % 4) + 8 * (i % 8), 29)::cidr`,
    'i * 5',
    current,
    'NULL',
  );
  await insert(blocks, v6Block('0', 48), 'i + 11', current, 'NULL');
  await insert(history, v6Block('0', 48), 'i * 7 + 11', `'2015-01-01'::timestamptz`, current);
  await insert(subs, v6Block('(i % 256) * 256', 56), 'i * 3 + 11', current, 'NULL');
  await insert(subSubs, v6Block('(i % 256) * 256 + (i % 200)', 64), 'i * 5 + 11', current, 'NULL');
  log(`rows in ${((Date.now() - started) / 1000).toFixed(1)} s; building indexes`);
  for (const index of indexes) {
    const t = Date.now();
    await db.query(index.ddl);
    log(`${index.name} built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  await db.query('VACUUM ANALYZE prefix_assignments');
  await db.query('ANALYZE customers');
  log(`loaded and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Addresses to look up: 80 % inside a random assignment (any depth), 20 % anywhere (mostly unattributed). */
async function sampleAddresses(db: Client, n: number): Promise<string[]> {
  const inside = await db.query(
    `SELECT host(network(cidr) + floor(random() * 2 ^ least(62,
              CASE family(cidr) WHEN 4 THEN 32 ELSE 128 END - masklen(cidr)))::bigint) AS ip
     FROM prefix_assignments TABLESAMPLE SYSTEM (1) LIMIT $1`,
    [Math.floor(n * 0.8)],
  );
  const anywhere = await db.query(
    `SELECT CASE WHEN i % 2 = 0 THEN host('0.0.0.0'::inet + floor(random() * 2 ^ 32)::bigint)
                 ELSE host('2a00::'::inet + floor(random() * 2 ^ 62)::bigint) END AS ip
     FROM generate_series(1, $1::int) i`,
    [n - inside.rows.length],
  );
  const ips = [...inside.rows, ...anywhere.rows].map((r: { ip: string }) => r.ip);
  return ips.sort(() => Math.random() - 0.5);
}

/** The plan PostgreSQL picks for containment (`cidr >>= ip`), the part of the query an index can serve. */
async function planOf(db: Client, ip: string): Promise<string> {
  const plan = await db.query(
    `EXPLAIN (COSTS OFF) SELECT id FROM prefix_assignments WHERE cidr >>= $1::inet`,
    [ip],
  );
  const lines = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN'].trim().replace(/^->\s*/, ''));
  return `plan: ${lines.find((l: string) => / on prefix_assignments/.test(l)) ?? lines.join(' / ')}`;
}

async function indexSize(db: Client, index: string, rows: number): Promise<string> {
  const bytes = Number((await db.query(`SELECT pg_relation_size($1::regclass) AS b`, [index])).rows[0].b);
  return `${index} ${(bytes / 1024 / 1024).toFixed(1)} MiB = ${(bytes / rows).toFixed(1)} bytes per row`;
}

/** `call` and the floor (`SELECT 1`, same connection) alternately, `n` times each, after a warm-up. */
async function interleaved(
  name: string,
  db: Client,
  n: number,
  call: () => Promise<unknown>,
  log: (line: string) => void,
): Promise<Result> {
  const floorCall = () => db.query({ name: 'floor', text: 'SELECT 1' });
  const result: Result = { name, latencies: [], floor: { name: 'SELECT 1 (floor)', latencies: [] } };
  for (let i = 0; i < n + WARM_UP; i++) {
    const a = await time(call);
    const b = await time(floorCall);
    if (i < WARM_UP) continue;
    result.latencies.push(a);
    result.floor?.latencies.push(b);
  }
  log(`${name} done`);
  return result;
}

async function timed(name: string, n: number, call: () => Promise<unknown>, log: (line: string) => void) {
  for (let i = 0; i < Math.min(WARM_UP, n / 10); i++) await call();
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) latencies.push(await time(call));
  log(`${name} done`);
  return { name, latencies };
}

async function time(call: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await call();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** GET /v1/attribution on the real Nest app, listening on a free loopback port, over one keep-alive connection. */
async function apiLookups(databaseUrl: string, ips: string[], log: (line: string) => void): Promise<Result> {
  const env = loadEnv({
    DATABASE_URL: databaseUrl,
    // Attribution needs no Temporal; the client connects lazily and never does here.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    LOG_LEVEL: 'warn',
    // A bench measures the API, not its rate limit.
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const app = await createApp(
    new AppConfig({ ...env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string }),
  );
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  // Every route but health and metrics needs a token (docs/auth.md): the abuse desk's reads attribution.
  const { token } = await createApiToken(app.get(DataSource), {
    name: 'bench-attribution',
    role: 'abuse_desk',
    createdBy: 'bench',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let i = 0;
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const ip = encodeURIComponent(ips[i++ % ips.length]);
      http
        .get(
          {
            host: '127.0.0.1',
            port,
            path: `/v1/attribution?ip=${ip}&at=${AT}`,
            agent,
            headers: { authorization: `Bearer ${token}` },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
            );
          },
        )
        .on('error', reject);
    });
  try {
    return await timed('GET /v1/attribution', API_LOOKUPS, get, log);
  } finally {
    agent.destroy();
    await app.close();
  }
}

function stats(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), perSecond: 1000 / mean };
}

function print(
  results: Result[],
  run: { rows: number; version: string; notes: string[] },
  key: { index: Result; seq: Result; api: Result },
): void {
  const floor = stats(key.index.floor?.latencies ?? []);
  const row = (name: string, s: ReturnType<typeof stats>, ratio: string) =>
    `| ${name.padEnd(24)} | ${String(s.n).padStart(6)} | ${s.p50.toFixed(3).padStart(7)} | ${s.p99
      .toFixed(3)
      .padStart(7)} | ${Math.round(s.perSecond).toString().padStart(9)} | ${ratio.padStart(13)} |`;
  const out = [
    `Attribution benchmark: ${run.rows.toLocaleString('en')} assignments, PostgreSQL ${run.version}, ${os.cpus().length} CPUs`,
    'One connection, one lookup at a time; latency is the client-side round trip.',
    '',
    `| ${'measure'.padEnd(24)} | ${'n'.padStart(6)} | p50 ms  | p99 ms  | lookups/s | p50 / floor   |`,
    `|${'-'.repeat(26)}|--------|---------|---------|-----------|---------------|`,
  ];
  for (const r of results) {
    const s = stats(r.latencies);
    const own = r.floor ? stats(r.floor.latencies) : floor;
    out.push(row(r.name, s, `${(s.p50 / own.p50).toFixed(2)}x`));
    if (r === key.index) out.push(row('SELECT 1 (floor)', floor, '1.00x'));
  }
  const index = stats(key.index.latencies);
  const seq = stats(key.seq.latencies);
  const api = stats(key.api.latencies);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const speedup = seq.p50 / index.p50;
  out.push(
    '',
    `index vs sequential scan (p50): ${speedup.toFixed(0)}x faster (target >= 150x: ${verdict(speedup >= 150)})`,
    `index vs floor (p50): ${(index.p50 / floor.p50).toFixed(2)}x (target <= 3x: ${verdict(index.p50 / floor.p50 <= 3)})`,
    `SQL lookup p99: ${index.p99.toFixed(3)} ms (target < 1.5 ms: ${verdict(index.p99 < 1.5)})`,
    `API p99: ${api.p99.toFixed(3)} ms (target < 5 ms: ${verdict(api.p99 < 5)})`,
    '',
    ...run.notes.map((n) => `- ${n}`),
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
