/**
 * `npm run bench:scale`: how Takedown's cost grows with the number of open notices, on the local stack.
 *
 *   npm run bench:scale -- [--steps 1000,10000,100000] [--budget 600,1200,3600] [--temporal sqlite|postgres|both]
 *                          [--customers 10000] [--answers 1000] [--queries 200]
 *
 * For each Temporal persistence mode it starts a throw-away stack (embedded PostgreSQL, the Temporal dev server on
 * SQLite or the Temporal server on PostgreSQL, SMTP capture), the API in this process and the worker as a child
 * process (as `npm start` runs it: compiled, after `npm run build`), seeds `--customers` customers with a /24 each
 * in one SQL statement, starts one standing workflow per customer, then grows the number of open notices step by step:
 *   - notices go in through POST /v1/notices/batch (250 a request, two requests at a time), across the customers,
 *     under the default policy (deadlines of 24 h to 5 days: their timers stay pending);
 *   - one notice in a hundred (at least 200 a step) goes to a customer on the `demo` policy (phishing: deadline
 *     48 s after receipt), so that its deadline timer fires during the step: timer lateness is the workflow's
 *     `escalated` event time minus the notice's deadline;
 *   - a step is settled when every notice has been attributed and its customer notified, and every sample notice
 *     has escalated; a step that does not settle in its time budget is reported as stopped, and the larger steps
 *     are not run. The sample's lateness is the lateness under intake: its timers wait behind the intake's tasks;
 *   - then, with the step's notices open and nothing else going on, 100 probe notices due 48 s after receipt, one
 *     every half second: their lateness is the timer lateness at rest, which grows only with the open notices;
 *   - then a burst of customer answers (POST …/actions/customer-response, 16 at a time) until each is recorded;
 *   - then `--queries` calls each of GET /v1/notices?overdue=true and GET /v1/stats/transparency.
 * Printed per step: intake and settle rates, worker RSS (now and peak) and main-thread heap, workflow and activity
 * tasks/s (the worker's SDK counters), timer lateness p50/p99, query latency p50/p99, PostgreSQL bytes per notice
 * (Takedown's tables and indexes; Temporal's databases in the PostgreSQL mode), each with its ratio to the previous
 * step; with `--temporal both`, the two modes side by side. Not a test: it prints figures and removes what it made.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { standingPolicyFor } from '@takedown/domain';
import { freePort, startThrowawayStack, type RunningStack } from '@takedown/dev';
import { customerStandingWorkflow } from '@takedown/workflows/customer-standing.workflow';
import { standingWorkflowId } from '@takedown/workflows/standing-messages';
import { AppConfig } from '../apps/api/src/app-config';
import { createApp } from '../apps/api/src/create-app';
import { workerTuning } from '../apps/worker/src/worker-settings';

/** The project's folder: npm runs scripts there. */
const ROOT = process.cwd();
/**
 * The compiled build this bench runs from (bench/run.mjs), and its workers with it: this project's `dist/`, or the
 * build the tests' bounded form made once for its run (test/support/child-build.ts).
 */
const DIST = path.resolve(__dirname, '..');
const BATCH = 250;
const BATCH_CONCURRENCY = 2;
const ANSWER_CONCURRENCY = 16;
const SAMPLE_CUSTOMERS = 100;
/** Notices of the probe that measures timer lateness at rest, after a step has settled (fewer: a quick try-out). */
const PROBES = Number(process.env.BENCH_PROBES ?? 100);
const PROBE_SPACING_MS = 500;
const LONG_CATEGORIES = ['csam', 'phishing', 'malware', 'spam'] as const;

interface Options {
  steps: number[];
  budgets: number[];
  modes: ('sqlite' | 'postgres')[];
  customers: number;
  answers: number;
  queries: number;
}

interface Step {
  mode: string;
  notices: number;
  /** Set when the step did not settle in its budget (its figures are partial). */
  stopped?: string;
  intakePerS: number;
  settlePerS: number;
  rssMiB: number;
  peakRssMiB: number;
  heapMiB: number;
  temporalRssMiB: number;
  /** Workflows held in the worker's cache at the end of the step. */
  stickyCache: number;
  wfTasksPerS: number;
  activitiesPerS: number;
  latenessP50: number;
  latenessP99: number;
  /** The probe's timers, fired with the step's notices open and no intake going on. */
  restLatenessP50: number;
  restLatenessP99: number;
  answersPerS: number;
  answersSettleS: number;
  listP50: number;
  listP99: number;
  statsP50: number;
  statsP99: number;
  tableBytesPerNotice: number;
  indexBytesPerNotice: number;
  temporalBytesPerNotice: number;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** What the running mode must stop on Ctrl-C, so that no worker, Temporal or PostgreSQL process is left. */
let cleanup: (() => Promise<void>) | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void (cleanup ?? (async () => undefined))().finally(() => process.exit(130));
  });
}

function options(): Options {
  const args = process.argv.slice(2);
  const get = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1] : (process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
  };
  const list = (v: string) => v.split(',').map((x) => Number(x.trim()));
  const steps = list(get('steps', '1000,10000,100000'));
  const budgets = list(get('budget', '600,1200,3600'));
  const temporal = get('temporal', 'both');
  if (!['sqlite', 'postgres', 'both'].includes(temporal)) throw new Error('--temporal sqlite|postgres|both');
  return {
    steps,
    budgets: steps.map((_, i) => budgets[Math.min(i, budgets.length - 1)]),
    modes: temporal === 'both' ? ['sqlite', 'postgres'] : [temporal as 'sqlite' | 'postgres'],
    customers: Number(get('customers', '10000')),
    answers: Number(get('answers', '1000')),
    queries: Number(get('queries', '200')),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const results: Step[][] = [];
  for (const mode of opts.modes) results.push(await runMode(mode, opts));
  const out = [
    `Scale benchmark: ${opts.customers} customers, steps ${opts.steps.join(' → ')} open notices, ` +
      `${os.cpus().length} CPUs, worker ${workerTuningLabel()}`,
  ];
  for (const steps of results) out.push('', ...table(steps));
  if (results.length === 2) out.push('', ...sideBySide(results[0], results[1]));
  process.stdout.write(`${out.join('\n')}\n`);
}

async function runMode(mode: 'sqlite' | 'postgres', opts: Options): Promise<Step[]> {
  const stack = await startThrowawayStack({
    prefix: `takedown-scale-${mode}`,
    temporalPersistence: mode,
    log: (l) => log(`${mode}: ${l}`),
  });
  const dir = stack.dataDir;
  const linkKeys = `bench:${randomBytes(32).toString('hex')}`;
  const workerPort = await freePort();
  const apiPort = await freePort();
  const env = {
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    SMTP_URL: stack.smtpUrl,
    LINK_SIGNING_KEYS: linkKeys,
    // One key for the worker, the API and the bench's own client, wherever TAKEDOWN_DATA_DIR points.
    TEMPORAL_PAYLOAD_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
    LOG_LEVEL: 'warn',
    API_PORT: String(apiPort),
  };
  const db = new PgClient({ connectionString: stack.databaseUrl });
  await db.connect();
  let worker: ChildProcess | null = null;
  let app: Awaited<ReturnType<typeof createApp>> | null = null;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, dataConverter: temporalDataConverter(loadEnv(env)) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: ANSWER_CONCURRENCY });
  cleanup = async () => {
    worker?.kill('SIGKILL');
    await stack.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const customers = await seedCustomers(db, opts.customers);
    worker = spawn(process.execPath, [path.join(DIST, 'apps/worker/src/main.js')], {
      cwd: ROOT,
      env: { ...process.env, ...env, WORKER_PORT: String(workerPort), LOG_LEVEL: 'error' },
      stdio: ['ignore', fs.openSync(path.join(dir, 'worker.log'), 'a'), 'pipe'],
    });
    worker.stderr?.on('data', (c: Buffer) => fs.appendFileSync(path.join(dir, 'worker.log'), c));
    const parsedEnv = loadEnv({ ...env, LOG_LEVEL: 'silent' });
    app = await createApp(
      new AppConfig({
        ...parsedEnv,
        DATABASE_URL: stack.databaseUrl,
        TEMPORAL_ADDRESS: stack.temporalAddress,
      }),
    );
    await app.listen(apiPort, '127.0.0.1');
    const token = await adminToken(db, stack.databaseUrl);
    const api = new Api(agent, apiPort, token);
    await waitFor(`${mode}: worker healthy`, 300_000, async () => {
      const res = await fetch(`http://127.0.0.1:${workerPort}/health`).catch(() => null);
      return res?.ok ?? false;
    });

    const startedStanding = Date.now();
    await pool(customers.length, 32, async (i) => {
      await client.workflow.start(customerStandingWorkflow, {
        workflowId: standingWorkflowId(customers[i].id),
        taskQueue: parsedEnv.TEMPORAL_TASK_QUEUE,
        args: [{ version: 1, customerId: customers[i].id, policy: standingPolicyFor(customers[i].profile) }],
      });
    });
    // Each standing workflow runs one activity as it starts: let those finish before the first step counts.
    await waitFor(`${mode}: standing workflows started`, 1_800_000, async () => {
      const m = await workerMetrics(workerPort);
      return metric(m, {}, /activity_execution_latency\w*_count$/) >= customers.length;
    });
    log(
      `${mode}: ${customers.length} standing workflows started in ${((Date.now() - startedStanding) / 1000).toFixed(1)} s`,
    );

    const steps: Step[] = [];
    const benchStart = new Date(Date.now() - 60_000);
    let total = 0;
    for (const [k, target] of opts.steps.entries()) {
      const step = await runStep({
        mode,
        target,
        from: total,
        budgetS: opts.budgets[k],
        customers,
        api,
        db,
        workerPort,
        workerPid: worker.pid as number,
        stack,
        dataDir: dir,
        answers: opts.answers,
        queries: opts.queries,
        benchStart,
      });
      total = target;
      steps.push(step);
      log(`${mode}: step ${target}: ${JSON.stringify(step)}`);
      if (step.stopped) break;
    }
    return steps;
  } finally {
    agent.destroy();
    await app?.close().catch(() => undefined);
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker?.once('exit', r));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker?.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup = null;
    await connection.close();
    await db.end();
    await stack.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface SeededCustomer {
  id: string;
  /** The first address of the customer's /24 (100.64.0.0/10 is spread over the customers). */
  base: number;
  profile: 'default' | 'demo';
}

/** Customers, contracts, abuse contacts and a /24 each, in one statement per table (per-row imports are too slow). */
async function seedCustomers(db: PgClient, n: number): Promise<SeededCustomer[]> {
  const started = Date.now();
  await db.query('BEGIN');
  const { rows } = await db.query<{ id: string; g: number }>(
    `INSERT INTO customers (reference, name, contract_type, account_manager_name, account_manager_email)
     SELECT 'BENCH-' || g, 'Bench tenant ' || g, 'colocation', 'A. Jansen', 'am' || g || '@provider.example'
     FROM generate_series(0, $1 - 1) g
     RETURNING id, substring(reference FROM 7)::int AS g`,
    [n],
  );
  await db.query(
    `INSERT INTO contracts (customer_id, starts_on, notice_period_days, policy_profile)
     SELECT id, '2024-01-01', 30, CASE WHEN substring(reference FROM 7)::int < $1 THEN 'demo' ELSE 'default' END
     FROM customers WHERE reference LIKE 'BENCH-%'`,
    [SAMPLE_CUSTOMERS],
  );
  await db.query(
    `INSERT INTO customer_abuse_contacts (customer_id, email, around_the_clock)
     SELECT id, 'abuse@' || lower(reference) || '.example', true FROM customers WHERE reference LIKE 'BENCH-%'`,
  );
  await db.query(
    `INSERT INTO prefix_assignments (customer_id, cidr, valid_from)
     SELECT id, set_masklen('100.64.0.0'::inet + substring(reference FROM 7)::int * 256, 24)::cidr, '2024-01-01'
     FROM customers WHERE reference LIKE 'BENCH-%'`,
  );
  await db.query('COMMIT');
  await db.query('ANALYZE');
  log(`seeded ${n} customers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return rows
    .sort((a, b) => a.g - b.g)
    .map((r) => ({
      id: r.id,
      base: 0x64400000 + r.g * 256,
      profile: r.g < SAMPLE_CUSTOMERS ? 'demo' : 'default',
    }));
}

/** An admin token when the API asks for one (the auth module), else none. */
async function adminToken(db: PgClient, databaseUrl: string): Promise<string | null> {
  const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('api_tokens')::text AS t`);
  if (!rows[0].t) return null;
  const persistence = (await import('@takedown/persistence')) as unknown as Record<string, unknown>;
  const create = persistence.createApiToken as
    ((ds: unknown, input: object) => Promise<{ token: string }>) | undefined;
  if (!create) return null;
  const { DataSource } = await import('typeorm');
  const ds = await new DataSource(
    (persistence.dataSourceOptions as (url: string) => object)(databaseUrl) as never,
  ).initialize();
  try {
    return (await create(ds, { name: 'bench-scale', role: 'admin', createdBy: 'bench:scale' })).token;
  } finally {
    await ds.destroy();
  }
}

const ip = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

async function runStep(s: {
  mode: string;
  target: number;
  from: number;
  budgetS: number;
  customers: SeededCustomer[];
  api: Api;
  db: PgClient;
  workerPort: number;
  workerPid: number;
  stack: RunningStack;
  dataDir: string;
  answers: number;
  queries: number;
  benchStart: Date;
}): Promise<Step> {
  const added = s.target - s.from;
  const sampleEvery = Math.max(1, Math.min(100, Math.floor(added / 200)));
  const regular = s.customers.filter((c) => c.profile === 'default');
  const sample = s.customers.filter((c) => c.profile === 'demo');
  const deadlineAt = Date.now() + s.budgetS * 1000;
  log(`${s.mode}: step to ${s.target} open notices (+${added}, budget ${s.budgetS} s)`);
  const before = await workerMetrics(s.workerPort);
  const t0 = Date.now();

  const ids: string[] = [];
  const sampleIds: string[] = [];
  const batches = Math.ceil(added / BATCH);
  await pool(batches, BATCH_CONCURRENCY, async (b) => {
    const items = [];
    const isSample: boolean[] = [];
    for (let j = b * BATCH; j < Math.min(added, (b + 1) * BATCH); j++) {
      const n = s.from + j;
      const inSample = j % sampleEvery === 0;
      isSample.push(inSample);
      items.push(
        inSample
          ? benchNotice(n, sample[n % sample.length], 'phishing')
          : benchNotice(n, regular[n % regular.length]),
      );
    }
    if (Date.now() > deadlineAt) return;
    const res = await s.api.request<{ rejected: number; items: { index: number; id?: string }[] }>(
      'POST',
      '/v1/notices/batch',
      items,
      200,
    );
    if (res.rejected) throw new Error(`batch items rejected: ${JSON.stringify(res.items.slice(0, 3))}`);
    for (const item of res.items) (isSample[item.index] ? sampleIds : ids).push(item.id as string);
  });
  const intakeS = (Date.now() - t0) / 1000;
  const submitted = ids.length + sampleIds.length;
  let stopped: string | undefined =
    submitted < added ? `intake reached ${s.from + submitted} of ${s.target} in the budget` : undefined;

  // Settled: every notice attributed and its customer notified; every sample notice past its (48 s) deadline.
  const settled = await waitFor(
    `${s.mode}: ${s.target} settled`,
    Math.max(0, deadlineAt - Date.now()),
    async () => {
      const { rows } = await s.db.query<{ waiting: number; unescalated: number }>(
        `SELECT count(*) FILTER (WHERE state IN ('received', 'attributed'))::int AS waiting,
                count(*) FILTER (WHERE id = ANY($1::uuid[]) AND state <> 'escalated')::int AS unescalated
         FROM notices`,
        [sampleIds],
      );
      log(`${s.mode}:   waiting ${rows[0].waiting}, sample not escalated ${rows[0].unescalated}`);
      return rows[0].waiting === 0 && rows[0].unescalated === 0;
    },
    5000,
  ).then(
    () => true,
    () => false,
  );
  const settleS = (Date.now() - t0) / 1000;
  if (!settled) stopped ??= `not settled within ${s.budgetS} s`;
  const after = await workerMetrics(s.workerPort);

  const lateness = await latenessOf(s.db, sampleIds);

  // Timer lateness at rest: with the step's notices open (each with its pending timers) and no intake going on,
  // PROBES notices due 48 s after receipt; how late their deadline timers fire.
  let restLateness: number[] = [];
  let probes = 0;
  if (!stopped) {
    // One at a time, PROBE_SPACING_MS apart: deadlines spread over time, as real ones are, not a burst of timers
    // that fire at the same instant and queue behind each other.
    const probeIds: string[] = [];
    for (let k = 0; k < PROBES; k++) {
      const started = Date.now();
      const notice = await s.api.request<{ id: string }>(
        'POST',
        '/v1/notices',
        benchNotice(s.target + k, sample[k % sample.length], 'phishing'),
        201,
      );
      probeIds.push(notice.id);
      await new Promise((r) => setTimeout(r, Math.max(0, PROBE_SPACING_MS - (Date.now() - started))));
    }
    probes = probeIds.length;
    await waitFor(
      `${s.mode}: probe timers fired`,
      Math.max(180_000, deadlineAt - Date.now()),
      () => allIn(s.db, probeIds, 'escalated'),
      2000,
    ).catch(() => (stopped = 'probe timers did not fire in time'));
    restLateness = await latenessOf(s.db, probeIds);
  }

  // A burst of customer answers ("removed"), then until the workflows have recorded every one.
  let answersPerS = 0;
  let answersSettleS = 0;
  if (!stopped) {
    // One notice in ten of the step answers at once (at most --answers): the customers' burst.
    const count = Math.min(s.answers, Math.ceil(ids.length / 10));
    const picked = ids.filter((_, i) => i % Math.floor(ids.length / count) === 0).slice(0, count);
    const a0 = Date.now();
    await pool(picked.length, ANSWER_CONCURRENCY, (i) =>
      s.api.request('POST', `/v1/notices/${picked[i]}/actions/customer-response`, {
        by: 'customer:bench',
        kind: 'removed',
      }),
    );
    answersPerS = picked.length / ((Date.now() - a0) / 1000);
    await waitFor(
      `${s.mode}: answers recorded`,
      Math.max(60_000, deadlineAt - Date.now()),
      () => allIn(s.db, picked, 'awaiting_confirmation'),
      1000,
    ).catch(() => (stopped = 'answers not recorded in time'));
    answersSettleS = (Date.now() - a0) / 1000;
  }

  const from = s.benchStart.toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const list = await latencies(s.queries, () => s.api.request('GET', '/v1/notices?overdue=true'));
  const stats = await latencies(s.queries, () =>
    s.api.request('GET', `/v1/stats/transparency?from=${from}&to=${to}`),
  );

  const total = s.from + submitted + probes;
  const sizes = await pgSizes(s.db);
  const temporalBytes =
    s.mode === 'postgres'
      ? Number(
          (
            await s.db.query<{ b: string }>(
              `SELECT sum(pg_database_size(datname))::bigint AS b FROM pg_database WHERE datname LIKE 'temporal%'`,
            )
          ).rows[0].b,
        )
      : sqliteBytes(s.dataDir);
  const proc = procStatus(s.workerPid);
  const q = (xs: number[], p: number) =>
    xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN;
  return {
    mode: s.mode,
    notices: total,
    stopped,
    intakePerS: submitted / intakeS,
    settlePerS: submitted / settleS,
    rssMiB: proc.rss,
    peakRssMiB: proc.hwm,
    heapMiB: (after['takedown_nodejs_heap_size_used_bytes'] ?? NaN) / 2 ** 20,
    temporalRssMiB: s.stack.temporalPid ? procStatus(s.stack.temporalPid).rss : NaN,
    wfTasksPerS: metric(after, before, /workflow_task_execution_latency\w*_count$/) / settleS,
    activitiesPerS: metric(after, before, /activity_execution_latency\w*_count$/) / settleS,
    stickyCache: metric(after, {}, /sticky_cache_size$/),
    latenessP50: q(lateness, 0.5),
    latenessP99: q(lateness, 0.99),
    restLatenessP50: q(restLateness, 0.5),
    restLatenessP99: q(restLateness, 0.99),
    answersPerS,
    answersSettleS,
    listP50: q(list, 0.5),
    listP99: q(list, 0.99),
    statsP50: q(stats, 0.5),
    statsP99: q(stats, 0.99),
    tableBytesPerNotice: sizes.table / total,
    indexBytesPerNotice: sizes.index / total,
    temporalBytesPerNotice: temporalBytes / total,
  };
}

/** How late (s) the deadline timers of these notices fired: their `escalated` event's time minus their deadline. */
async function latenessOf(db: PgClient, ids: string[]): Promise<number[]> {
  const { rows } = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM e.occurred_at - n.deadline) * 1000 AS ms
     FROM notices n JOIN notice_events e ON e.notice_id = n.id AND e.type = 'escalated'
     WHERE n.id = ANY($1::uuid[]) ORDER BY 1`,
    [ids],
  );
  return rows.map((r) => Number(r.ms) / 1000);
}

/** Whether every one of these notices is in `state`. */
async function allIn(db: PgClient, ids: string[], state: string): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notices WHERE id = ANY($1::uuid[]) AND state = $2`,
    [ids, state],
  );
  return rows[0].n === ids.length;
}

/** A notice of the bench: a long deadline by default; phishing for a `demo` customer is due 48 s after receipt. */
function benchNotice(n: number, customer: SeededCustomer, category?: (typeof LONG_CATEGORIES)[number]) {
  const ref = `scale-${n}-${randomUUID()}`;
  return {
    source: { kind: 'hotline', name: 'Bench Hotline' },
    sourceReference: ref,
    category: category ?? LONG_CATEGORIES[n % LONG_CATEGORIES.length],
    urls: [`https://files.bench-${n % 997}.example/${ref}`],
    ip: ip(customer.base + 1 + (n % 250)),
  };
}

/** The increase of the first metric whose name matches (the SDK's names carry unit suffixes by option). */
function metric(after: Record<string, number>, before: Record<string, number>, pattern: RegExp): number {
  const name = Object.keys(after).find((k) => pattern.test(k));
  return name ? after[name] - (before[name] ?? 0) : NaN;
}

/** The worker's /metrics, each metric summed over its labels. */
async function workerMetrics(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sums: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) sums[m[1]] = (sums[m[1]] ?? 0) + Number(m[2]);
  }
  return sums;
}

/** Resident and peak resident memory of a process, in MiB (Linux). */
function procStatus(pid: number): { rss: number; hwm: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** The dev server's SQLite file with its write-ahead log. */
function sqliteBytes(dataDir: string): number {
  const file = path.join(dataDir, 'temporal', 'temporal.sqlite');
  return [file, `${file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

/** Takedown's notice tables: heap (with TOAST) and indexes. */
async function pgSizes(db: PgClient): Promise<{ table: number; index: number }> {
  const { rows } = await db.query<{ t: string; i: string }>(
    `SELECT sum(pg_table_size(c.oid))::bigint AS t, sum(pg_indexes_size(c.oid))::bigint AS i
     FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
     WHERE ns.nspname = 'public' AND c.relkind = 'r'
       AND c.relname IN ('notices', 'notice_events', 'notice_reports', 'tasks', 'outbound_emails', 'link_uses', 'audit_log')`,
  );
  return { table: Number(rows[0].t), index: Number(rows[0].i) };
}

class Api {
  constructor(
    private readonly agent: http.Agent,
    private readonly port: number,
    private readonly token: string | null,
  ) {}

  request<T = unknown>(method: string, route: string, body?: unknown, expected?: number): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: route,
          method,
          agent: this.agent,
          headers: {
            ...(payload ? { 'content-type': 'application/json' } : {}),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            const ok = expected ? res.statusCode === expected : (res.statusCode ?? 500) < 300;
            if (!ok)
              return reject(new Error(`${method} ${route}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
            resolve((text ? JSON.parse(text) : null) as T);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Runs `count` calls, `concurrency` at a time. */
async function pool(count: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) await one(i);
    }),
  );
}

/** One call after the other: latency of each in ms. */
async function latencies(n: number, one: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await one();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, everyMs = 1000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function workerTuningLabel(): string {
  return Object.entries(workerTuning(loadEnv()))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

type Column = { key: keyof Step; label: string; digits: number };
const COLUMNS: Column[] = [
  { key: 'intakePerS', label: 'intake notices/s', digits: 0 },
  { key: 'settlePerS', label: 'settled notices/s', digits: 0 },
  { key: 'rssMiB', label: 'worker RSS MiB', digits: 0 },
  { key: 'peakRssMiB', label: 'worker peak RSS MiB', digits: 0 },
  { key: 'heapMiB', label: 'worker heap MiB', digits: 0 },
  { key: 'temporalRssMiB', label: 'Temporal server RSS MiB', digits: 0 },
  { key: 'stickyCache', label: 'worker cached workflows', digits: 0 },
  { key: 'wfTasksPerS', label: 'workflow tasks/s', digits: 0 },
  { key: 'activitiesPerS', label: 'activities/s', digits: 0 },
  { key: 'latenessP50', label: 'timer lateness, intake p50 s', digits: 2 },
  { key: 'latenessP99', label: 'timer lateness, intake p99 s', digits: 2 },
  { key: 'restLatenessP50', label: 'timer lateness, rest p50 s', digits: 2 },
  { key: 'restLatenessP99', label: 'timer lateness, rest p99 s', digits: 2 },
  { key: 'answersPerS', label: 'answers accepted/s', digits: 0 },
  { key: 'answersSettleS', label: 'answers recorded in s', digits: 1 },
  { key: 'listP50', label: 'GET overdue p50 ms', digits: 1 },
  { key: 'listP99', label: 'GET overdue p99 ms', digits: 1 },
  { key: 'statsP50', label: 'GET stats p50 ms', digits: 1 },
  { key: 'statsP99', label: 'GET stats p99 ms', digits: 1 },
  { key: 'tableBytesPerNotice', label: 'PG table bytes/notice', digits: 0 },
  { key: 'indexBytesPerNotice', label: 'PG index bytes/notice', digits: 0 },
  { key: 'temporalBytesPerNotice', label: 'Temporal DB bytes/notice', digits: 0 },
];

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}x` : '–';

/** One column per step, each after the first with its ratio to the step before. */
function table(steps: Step[]): string[] {
  const head = ['measure', ...steps.flatMap((s, i) => (i ? [`${s.notices}`, 'ratio'] : [`${s.notices}`]))];
  const rows = COLUMNS.map((c) => [
    c.label,
    ...steps.flatMap((s, i) => {
      const v = fmt(s[c.key] as number, c.digits);
      return i ? [v, ratio(s[c.key] as number, steps[i - 1][c.key] as number)] : [v];
    }),
  ]);
  const notes = steps.filter((s) => s.stopped).map((s) => `Stopped at ${s.notices}: ${s.stopped}.`);
  return [
    `Temporal on ${steps[0]?.mode ?? '?'} (open notices per step; ratio = this step / previous)`,
    '',
    ...md(head, rows),
    ...notes,
  ];
}

/** The two persistence modes per step: PostgreSQL-backed figure / SQLite figure. */
function sideBySide(a: Step[], b: Step[]): string[] {
  const n = Math.min(a.length, b.length);
  const head = [
    'measure',
    ...Array.from({ length: n }, (_, i) => [
      `${a[i].notices} ${a[i].mode}`,
      `${b[i].notices} ${b[i].mode}`,
      `${b[i].mode}/${a[i].mode}`,
    ]).flat(),
  ];
  const rows = COLUMNS.map((c) => [
    c.label,
    ...Array.from({ length: n }, (_, i) => [
      fmt(a[i][c.key] as number, c.digits),
      fmt(b[i][c.key] as number, c.digits),
      ratio(b[i][c.key] as number, a[i][c.key] as number),
    ]).flat(),
  ]);
  return ['Side by side', '', ...md(head, rows)];
}

function md(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...rows.map(line),
  ];
}

main().catch((err) => {
  process.stderr.write(`bench:scale failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
