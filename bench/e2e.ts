/**
 * `npm run bench:e2e`: how long from a notice's intake to its customer's email, under sustained intake, against the
 * floor of the same Temporal server.
 *
 *   npm run bench:e2e -- [--rates 10,20,40] [--knee-rates 60,80,100,120] [--duration 60] [--target-rate 20]
 *                        [--drain 300] [--customers 50] [--temporal postgres|sqlite] [--worker-profile DIR]
 *
 * Starts a throw-away stack (embedded PostgreSQL, the Temporal server on PostgreSQL as `TEMPORAL_PERSISTENCE=postgres`
 * runs it, SMTP capture), the API in this process, Takedown's worker and the floor's worker as child processes
 * (compiled, as `npm start` runs them; each loads a workflow bundle made beforehand, as a build's worker does). At
 * each rate, for `--duration` seconds, open loop (each request leaves at its scheduled time whatever the earlier ones
 * are doing, so a slow system is not given time to catch up):
 *   - e2e: `POST /v1/notices`, one notice per request, attributed to a seeded customer; its time is taken when the
 *     customer's email reaches the SMTP capture, found by its idempotency key (`<notice id>:notify:0`, which is also
 *     what its Message-ID is made from) in the name the capture gives the file: from the scheduled send
 *     (`sched→mail`, the figure the target and the knee use), and from the API's answer (`answer→mail`);
 *   - floor: `client.workflow.start` of bench/floor.workflow.ts (one no-op activity) on its own task queue and worker,
 *     from the scheduled start to the activity's run.
 * Each phase waits until every email (or activity) is in, at most `--drain` seconds after its last send; what has
 * not come by then counts as infinitely late. After `--rates`, `--knee-rates` are run one by one until the e2e p99
 * passes 5 s (the knee). Printed: p50/p99/max per rate and phase, e2e p99 / floor p99, where the worker's time went
 * (mean schedule-to-start and execution of its workflow tasks and activities, the two intake activities' own times,
 * CPU time per notice of the worker, the Temporal server, PostgreSQL and this process), the knee, and PASS/MISS for
 * e2e p99 ≤ 2× the floor's p99 at `--target-rate`. `--temporal-config key=value,…` adds dynamic configuration to
 * the PostgreSQL-backed server, to try its knobs. `--worker-profile DIR` (or BENCH_WORKER_PROFILE) runs Takedown's worker
 * with `--cpu-prof`: one .cpuprofile for its main thread and one per workflow thread, in DIR once it has stopped. Not a
 * test: it prints figures and removes what it made.
 */
import 'reflect-metadata';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { fileKey } from '@takedown/mail';
import { freePort, startThrowawayStack } from '@takedown/dev';
import { createApiToken } from '@takedown/persistence';
import { AppConfig } from '../apps/api/src/app-config';
import { createApp } from '../apps/api/src/create-app';
import { workerTuning } from '../apps/worker/src/worker-settings';
import { floorWorkflow } from './floor.workflow';

/** The project's folder: npm runs scripts there. */
const ROOT = process.cwd();
/**
 * The compiled build this bench runs from (bench/run.mjs), and its workers with it: this project's `dist/`, or the
 * build the tests' bounded form made once for its run (test/support/child-build.ts).
 */
const DIST = path.resolve(__dirname, '..');
const FLOOR_QUEUE = 'bench-floor';
/** The e2e p99 past which a rate is the knee. */
const KNEE_S = 5;
const TARGET_RATIO = 2;

interface Options {
  rates: number[];
  kneeRates: number[];
  durationS: number;
  targetRate: number;
  drainS: number;
  customers: number;
  temporal: 'postgres' | 'sqlite';
  /** Dynamic configuration added to the PostgreSQL-backed server's, `key=value,…`: for trying the server's knobs. */
  temporalConfig: [string, string][];
  /** A folder for the CPU profiles of Takedown's worker (its main thread and workflow threads), written as it stops. */
  workerProfile: string | null;
}

/** One phase at one rate: latencies in ms, Infinity for what did not come within the drain. */
interface Phase {
  sent: number;
  /** Requests (or starts) that failed: no notice, no email to wait for. */
  failed: number;
  late: number;
  fromSchedule: number[];
  fromAnswer: number[];
  answer: number[];
  /** Means over the phase from the worker's SDK counters, ms; CPU share of one core, %. */
  worker: WorkerFigures;
}

interface WorkerFigures {
  wftScheduleToStart: number;
  wftExecution: number;
  activityScheduleToStart: number;
  activityExecution: number;
  /** Takedown's own activity timer: the notice's two activities at intake. */
  receiveNotice: number;
  notifyCustomer: number;
  /** Tries of the worker's activities that failed (and were tried again) over the phase: local ones included. */
  failedTries: number;
  /** CPU time per notice (or floor run) of each process, ms: this process is the API, the client and the capture. */
  cpuMs: Record<CpuPart, number>;
}

type CpuPart = 'worker' | 'temporal' | 'postgres' | 'api';

interface RateResult {
  rate: number;
  e2e: Phase;
  floor: Phase;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    const env = `BENCH_${name.toUpperCase().replace(/-/g, '_')}`;
    return i >= 0 && args[i + 1] ? args[i + 1] : (process.env[env] ?? fallback);
  };
  const list = (v: string) =>
    v
      .split(',')
      .filter((x) => x.trim())
      .map((x) => Number(x.trim()));
  const temporal = get('temporal', 'postgres');
  if (temporal !== 'postgres' && temporal !== 'sqlite') throw new Error('--temporal postgres|sqlite');
  const opts: Options = {
    rates: list(get('rates', '10,20,40')),
    kneeRates: list(get('knee-rates', '60,80,100,120')),
    durationS: Number(get('duration', '60')),
    targetRate: Number(get('target-rate', '20')),
    drainS: Number(get('drain', '300')),
    customers: Number(get('customers', '50')),
    temporal,
    temporalConfig: get('temporal-config', '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => kv.split('=', 2).map((x) => x.trim()) as [string, string]),
    workerProfile: get('worker-profile', '') ? path.resolve(get('worker-profile', '')) : null,
  };
  if (opts.temporalConfig.length && temporal !== 'postgres')
    throw new Error('--temporal-config: postgres only');
  for (const [k, v] of Object.entries(opts))
    if ([v].flat().some((x) => typeof x === 'number' && !(x > 0)))
      throw new Error(`--${k}: positive numbers`);
  return opts;
}

async function main(): Promise<void> {
  const opts = options();
  const loadBefore = os.loadavg();
  const stack = await startThrowawayStack({
    prefix: 'takedown-e2e',
    temporalPersistence: opts.temporal,
    log,
  });
  const dir = stack.dataDir;
  const workerPort = await freePort();
  const floorMetricsPort = await freePort();
  const env = {
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    SMTP_URL: stack.smtpUrl,
    LINK_SIGNING_KEYS: `bench:${randomBytes(32).toString('hex')}`,
    // One key for the worker, the API, the floor's worker and the bench's client.
    TEMPORAL_PAYLOAD_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
    LOG_LEVEL: 'warn',
    // A bench measures the pipeline, not the API's rate limit.
    RATE_LIMIT_PER_MINUTE: '0',
  };
  const workers: ChildProcess[] = [];
  const db = new PgClient({ connectionString: stack.databaseUrl });
  let connection: Connection | null = null;
  const parsedEnv = loadEnv({ ...env, LOG_LEVEL: 'silent' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let app: Awaited<ReturnType<typeof createApp>> | null = null;
  let mail: MailWatch | null = null;
  cleanup = async () => {
    for (const w of workers) w.kill('SIGKILL');
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (opts.temporalConfig.length) {
      // The server reads its dynamic configuration every 10 s: added before any task queue exists, and waited for.
      const file = path.join(dir, 'temporal-postgres', 'config', 'dynamicconfig.yaml');
      fs.appendFileSync(file, opts.temporalConfig.map(([k, v]) => `${k}:\n  - value: ${v}\n`).join(''));
      log(`Temporal dynamic configuration: ${opts.temporalConfig.map((kv) => kv.join('=')).join(', ')}`);
      await sleep(11_000);
    }
    await db.connect();
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, dataConverter: temporalDataConverter(parsedEnv) });
    const customers = await seedCustomers(db, opts.customers);
    const spawnWorker = (
      script: string,
      extra: Record<string, string>,
      logName: string,
      nodeArgs: string[] = [],
    ) => {
      const child = spawn(process.execPath, [...nodeArgs, path.join(DIST, script)], {
        cwd: ROOT,
        env: { ...process.env, ...env, ...extra, LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', fs.openSync(path.join(dir, logName), 'a')],
      });
      workers.push(child);
      return child;
    };
    const worker = spawnWorker(
      'apps/worker/src/main.js',
      { WORKER_PORT: String(workerPort) },
      'worker.log',
      opts.workerProfile ? ['--cpu-prof', `--cpu-prof-dir=${opts.workerProfile}`] : [],
    );
    worker.stdout?.resume();
    // The floor's workflow bundled beforehand, as Takedown's worker loads the bundle its build made.
    const floorBundle = path.join(dir, 'floor-bundle.js');
    await promisify(execFile)(process.execPath, [
      path.join(DIST, 'bench/floor-worker.js'),
      '--bundle',
      floorBundle,
    ]);
    const floor = new FloorWorker(
      spawnWorker(
        'bench/floor-worker.js',
        {
          FLOOR_TASK_QUEUE: FLOOR_QUEUE,
          FLOOR_METRICS_PORT: String(floorMetricsPort),
          FLOOR_BUNDLE: floorBundle,
        },
        'floor-worker.log',
      ),
    );
    app = await createApp(
      new AppConfig({
        ...parsedEnv,
        DATABASE_URL: stack.databaseUrl,
        TEMPORAL_ADDRESS: stack.temporalAddress,
      }),
    );
    const apiPort = await freePort();
    await app.listen(apiPort, '127.0.0.1');
    const { token } = await createApiToken(app.get(DataSource), {
      name: 'bench-e2e',
      role: 'abuse_desk',
      createdBy: 'bench:e2e',
    });
    mail = new MailWatch(stack.mailCaptureDir as string);
    const api = new Api(agent, apiPort, token);
    // A worker that stopped, or never became healthy, is reported with what it last said: its /health answer and
    // the end of its log (the bench removes both when it ends).
    const workerLog = () =>
      fs.readFileSync(path.join(dir, 'worker.log'), 'utf8').split('\n').slice(-20).join('\n');
    let lastHealth = 'no answer';
    await waitFor('worker healthy', 300_000, async () => {
      if (worker.exitCode !== null || worker.signalCode !== null)
        throw new Error(`the worker exited while starting (${worker.exitCode ?? worker.signalCode})`);
      const res = await fetch(`http://127.0.0.1:${workerPort}/health`).catch(() => null);
      if (res) lastHealth = `${res.status} ${await res.text()}`;
      return res?.ok ?? false;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; its /health said ${lastHealth}; its log ends:\n${workerLog()}`);
    });
    await floor.ready;

    const ctx: Ctx = {
      opts,
      api,
      client,
      mail,
      floor,
      customers,
      workerPort,
      floorMetricsPort,
      workerPid: worker.pid as number,
      floorPid: floor.child.pid as number,
      temporalPid: stack.temporalPid,
      postmasterPid: await postmaster(db),
      next: 0,
    };
    // A few of each first, so that neither side's first figures carry bundling, JIT or connection set-up.
    log('warm-up');
    await runE2e(ctx, 5, 4);
    await runFloor(ctx, 5, 4);

    const results: RateResult[] = [];
    const kneeOf = (r: RateResult) => q(r.e2e.fromSchedule, 0.99) > KNEE_S * 1000;
    for (const rate of opts.rates) results.push(await runRate(ctx, rate));
    for (const rate of opts.kneeRates) {
      if (results.some(kneeOf)) break;
      if (results.some((r) => r.rate >= rate)) continue;
      results.push(await runRate(ctx, rate));
    }
    const loadAfter = os.loadavg();
    process.stdout.write(`${report(opts, results, loadBefore, loadAfter).join('\n')}\n`);
  } finally {
    mail?.stop();
    agent.destroy();
    await app?.close().catch(() => undefined);
    for (const w of workers) {
      if (w.exitCode !== null) continue;
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      const timer = setTimeout(() => w.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup = null;
    if (opts.workerProfile) log(`the worker's CPU profiles are in ${opts.workerProfile}`);
    await connection?.close();
    await db.end().catch(() => undefined);
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Ctx {
  opts: Options;
  api: Api;
  client: Client;
  mail: MailWatch;
  floor: FloorWorker;
  customers: SeededCustomer[];
  workerPort: number;
  floorMetricsPort: number;
  workerPid: number;
  floorPid: number;
  temporalPid: number | null;
  postmasterPid: number;
  /** A counter for unique notices and floor runs across phases. */
  next: number;
}

async function runRate(ctx: Ctx, rate: number): Promise<RateResult> {
  log(`${rate}/s: e2e for ${ctx.opts.durationS} s`);
  const e2e = await runE2e(ctx, rate, ctx.opts.durationS);
  log(`${rate}/s: e2e ${summary(e2e)}`);
  log(`${rate}/s: floor for ${ctx.opts.durationS} s`);
  const floor = await runFloor(ctx, rate, ctx.opts.durationS);
  log(`${rate}/s: floor ${summary(floor)}`);
  return { rate, e2e, floor };
}

const summary = (p: Phase) =>
  `sent ${p.sent}, failed ${p.failed}, late ${p.late}, p50 ${fmtMs(q(p.fromSchedule, 0.5))}, ` +
  `p99 ${fmtMs(q(p.fromSchedule, 0.99))}`;

/** Notices at `rate` for `seconds`, each timed until its customer's email is at the capture. */
async function runE2e(ctx: Ctx, rate: number, seconds: number): Promise<Phase> {
  const sends: { scheduled: number; answered?: number; key?: string }[] = [];
  const before = await sample(ctx, ctx.workerPort, ctx.workerPid);
  let failed = 0;
  const lastSend = await openLoop(rate, seconds, async (scheduled) => {
    const n = ctx.next++;
    const send: (typeof sends)[number] = { scheduled };
    sends.push(send);
    try {
      const notice = await ctx.api.post<{ id: string }>('/v1/notices', benchNotice(n, ctx.customers), 201);
      send.answered = Date.now();
      // The customer's first notification: its idempotency key, and the Message-ID made from it.
      send.key = fileKey(`${notice.id}:notify:0`);
    } catch (err) {
      failed++;
      if (failed <= 3) log(`POST /v1/notices failed: ${(err as Error).message}`);
    }
  });
  const keys = sends.flatMap((s) => (s.key ? [s.key] : []));
  await ctx.mail.waitForAll(keys, lastSend + ctx.opts.drainS * 1000);
  const after = await sample(ctx, ctx.workerPort, ctx.workerPid);
  const ok = sends.filter((s) => s.key);
  const arrival = (s: (typeof sends)[number]) => ctx.mail.arrivedAt(s.key as string) ?? Infinity;
  return {
    sent: sends.length,
    failed,
    late: ok.filter((s) => arrival(s) === Infinity).length,
    fromSchedule: ok.map((s) => arrival(s) - s.scheduled),
    fromAnswer: ok.map((s) => arrival(s) - (s.answered as number)),
    answer: ok.map((s) => (s.answered as number) - s.scheduled),
    // Per notice taken in: those the API refused cost little and leave no email.
    worker: figures(before, after, ok.length),
  };
}

/** Bare floor workflows at `rate` for `seconds`, each timed until its no-op activity has run. */
async function runFloor(ctx: Ctx, rate: number, seconds: number): Promise<Phase> {
  const starts: { n: number; scheduled: number; started?: number }[] = [];
  const before = await sample(ctx, ctx.floorMetricsPort, ctx.floorPid);
  let failed = 0;
  const lastSend = await openLoop(rate, seconds, async (scheduled) => {
    const n = ctx.next++;
    const start: (typeof starts)[number] = { n, scheduled };
    starts.push(start);
    try {
      await ctx.client.workflow.start(floorWorkflow, {
        workflowId: `floor-${n}-${randomUUID()}`,
        taskQueue: FLOOR_QUEUE,
        args: [n],
      });
      start.started = Date.now();
    } catch (err) {
      failed++;
      if (failed <= 3) log(`floor start failed: ${(err as Error).message}`);
    }
  });
  const ok = starts.filter((s) => s.started);
  await ctx.floor.waitForAll(
    ok.map((s) => s.n),
    lastSend + ctx.opts.drainS * 1000,
  );
  const after = await sample(ctx, ctx.floorMetricsPort, ctx.floorPid);
  const done = (s: (typeof starts)[number]) => ctx.floor.doneAt(s.n) ?? Infinity;
  return {
    sent: starts.length,
    failed,
    late: ok.filter((s) => done(s) === Infinity).length,
    fromSchedule: ok.map((s) => done(s) - s.scheduled),
    fromAnswer: ok.map((s) => done(s) - (s.started as number)),
    answer: ok.map((s) => (s.started as number) - s.scheduled),
    worker: figures(before, after, ok.length),
  };
}

/**
 * Calls `send` `rate × seconds` times, each at its scheduled time (passed to it) whether or not the earlier calls have
 * answered; resolves when all have settled, with the time of the last scheduled send.
 */
async function openLoop(rate: number, seconds: number, send: (scheduled: number) => Promise<void>) {
  const count = Math.max(1, Math.round(rate * seconds));
  const t0 = Date.now() + 50;
  const inFlight: Promise<void>[] = [];
  let at = t0;
  for (let i = 0; i < count; i++) {
    at = t0 + (i * 1000) / rate;
    const wait = at - Date.now();
    if (wait >= 1) await sleep(wait);
    inFlight.push(send(at));
  }
  await Promise.all(inFlight);
  return at;
}

/**
 * The capture's files, by idempotency key: the capture names each file by the time it took the message and the key
 * of the step that sent it, so a file's arrival time is read from its name, without opening it.
 */
class MailWatch {
  private readonly arrived = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly dir: string) {
    this.timer = setInterval(() => this.read(), 200);
  }

  arrivedAt(key: string): number | undefined {
    return this.arrived.get(key);
  }

  async waitForAll(keys: string[], until: number): Promise<void> {
    while (Date.now() < until) {
      this.read();
      if (keys.every((k) => this.arrived.has(k))) return;
      await sleep(200);
    }
    this.read();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (this.seen.has(name) || name.startsWith('.')) continue;
      this.seen.add(name);
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-.*--(.+)\.eml$/.exec(name);
      if (!m) continue;
      const at = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
      // A resend keeps the first arrival: that is when the customer had it.
      if (!this.arrived.has(m[6])) this.arrived.set(m[6], at);
    }
  }
}

/** The floor's worker process: `ready` once polling, then `done <n> <ms>` per activity run. */
class FloorWorker {
  readonly ready: Promise<void>;
  private readonly done = new Map<number, number>();

  constructor(readonly child: ChildProcess) {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`the floor worker exited (${code}); see floor-worker.log`)),
      );
      lines.on('line', (line) => {
        if (line === 'ready') resolve();
        const m = /^done (\d+) (\d+)$/.exec(line);
        if (m && !this.done.has(Number(m[1]))) this.done.set(Number(m[1]), Number(m[2]));
      });
    });
  }

  doneAt(n: number): number | undefined {
    return this.done.get(n);
  }

  async waitForAll(ns: number[], until: number): Promise<void> {
    while (Date.now() < until && !ns.every((n) => this.done.has(n))) await sleep(100);
  }
}

/** The embedded PostgreSQL's postmaster, from its data directory's `postmaster.pid`. */
async function postmaster(db: PgClient): Promise<number> {
  const { rows } = await db.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`);
  return Number(fs.readFileSync(path.join(rows[0].dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

interface SeededCustomer {
  /** The first address of the customer's /24. */
  base: number;
}

/** Customers with a contract, an abuse contact and a /24 each, in one statement per table. */
async function seedCustomers(db: PgClient, n: number): Promise<SeededCustomer[]> {
  await db.query('BEGIN');
  const { rows } = await db.query<{ g: number }>(
    `INSERT INTO customers (reference, name, contract_type, account_manager_name, account_manager_email)
     SELECT 'E2E-' || g, 'Bench tenant ' || g, 'colocation', 'A. Jansen', 'am' || g || '@provider.example'
     FROM generate_series(0, $1 - 1) g
     RETURNING substring(reference FROM 5)::int AS g`,
    [n],
  );
  await db.query(
    `INSERT INTO contracts (customer_id, starts_on, notice_period_days, policy_profile)
     SELECT id, '2024-01-01', 30, 'default' FROM customers WHERE reference LIKE 'E2E-%'`,
  );
  await db.query(
    `INSERT INTO customer_abuse_contacts (customer_id, email, around_the_clock)
     SELECT id, 'abuse@' || lower(reference) || '.example', true FROM customers WHERE reference LIKE 'E2E-%'`,
  );
  await db.query(
    `INSERT INTO prefix_assignments (customer_id, cidr, valid_from)
     SELECT id, set_masklen('100.64.0.0'::inet + substring(reference FROM 5)::int * 256, 24)::cidr, '2024-01-01'
     FROM customers WHERE reference LIKE 'E2E-%'`,
  );
  await db.query('COMMIT');
  await db.query('ANALYZE');
  return rows.map((r) => ({ base: 0x64400000 + r.g * 256 }));
}

const ip = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** A phishing notice under the default policy (a deadline days away): intake, attribution, the customer's email. */
function benchNotice(n: number, customers: SeededCustomer[]) {
  const ref = `e2e-${n}-${randomUUID()}`;
  return {
    source: { kind: 'hotline', name: 'Bench Hotline' },
    sourceReference: ref,
    category: 'phishing',
    urls: [`https://files.bench-${n % 997}.example/${ref}`],
    ip: ip(customers[n % customers.length].base + 1 + (n % 250)),
  };
}

interface Sample {
  metrics: Record<string, number>;
  cpu: Record<CpuPart, number>;
  at: number;
}

async function sample(ctx: Ctx, metricsPort: number, pid: number): Promise<Sample> {
  return {
    metrics: await metrics(metricsPort),
    cpu: {
      worker: cpuSeconds([pid]),
      temporal: ctx.temporalPid ? cpuSeconds([ctx.temporalPid]) : NaN,
      // The postmaster and its backends (those that came and went meanwhile are not counted: the pools keep theirs).
      postgres: cpuSeconds([ctx.postmasterPid, ...childrenOf(ctx.postmasterPid)]),
      api: cpuSeconds([process.pid]),
    },
    at: Date.now(),
  };
}

/** Mean per task over the phase (ms) of the SDK's histograms, and CPU as a share of one core (%). */
function figures(before: Sample, after: Sample, items: number): WorkerFigures {
  // The SDK's names carry unit suffixes by option: matched by what they start with.
  const mean = (name: string, labels = '') => {
    const d = (suffix: string) => {
      const total = (m: Record<string, number>) =>
        Object.entries(m)
          .filter(([k]) =>
            new RegExp(`^(temporal_)?${name}\\w*_${suffix}${labels ? `\\{.*${labels}` : '$'}`).test(k),
          )
          .reduce((sum, [, v]) => sum + v, 0);
      return total(after.metrics) - total(before.metrics);
    };
    return (d('sum') / d('count')) * 1000;
  };
  const count = (series: RegExp) => {
    const total = (m: Record<string, number>) =>
      Object.entries(m)
        .filter(([k]) => series.test(k))
        .reduce((sum, [, v]) => sum + v, 0);
    return total(after.metrics) - total(before.metrics);
  };
  const cpuMs = (part: CpuPart) => ((after.cpu[part] - before.cpu[part]) / items) * 1000;
  return {
    wftScheduleToStart: mean('workflow_task_schedule_to_start_latency'),
    wftExecution: mean('workflow_task_execution_latency'),
    activityScheduleToStart: mean('activity_schedule_to_start_latency'),
    activityExecution: mean('activity_execution_latency'),
    receiveNotice: mean('takedown_worker_activity_duration_seconds', 'activity="receiveNotice"'),
    notifyCustomer: mean('takedown_worker_activity_duration_seconds', 'activity="notifyCustomer"'),
    failedTries: count(/^takedown_worker_activity_tasks_total\{.*result="failed"/),
    cpuMs: {
      worker: cpuMs('worker'),
      temporal: cpuMs('temporal'),
      postgres: cpuMs('postgres'),
      api: cpuMs('api'),
    },
  };
}

/** A worker's Prometheus metrics: each series as it is named, and each metric summed over its labels. */
async function metrics(port: number): Promise<Record<string, number>> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    out[m[1]] = (out[m[1]] ?? 0) + Number(m[3]);
    if (m[2]) out[`${m[1]}${m[2]}`] = Number(m[3]);
  }
  return out;
}

/** User and system CPU time of these processes, in seconds (Linux). */
function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const fields = statFields(pid);
    // utime and stime: fields 14 and 15 of proc_pid_stat(5), 12 and 13 after the command's closing parenthesis.
    return fields ? sum + (Number(fields[11]) + Number(fields[12])) / 100 : sum;
  }, 0);
}

function childrenOf(ppid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => Number(statFields(pid)?.[1]) === ppid);
}

function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

class Api {
  constructor(
    private readonly agent: http.Agent,
    private readonly port: number,
    private readonly token: string,
  ) {}

  post<T>(route: string, body: unknown, expected: number): Promise<T> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: route,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            if (res.statusCode !== expected)
              return reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`));
            resolve(JSON.parse(text) as T);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(1000);
  }
}

/** The p-quantile (nearest rank); Infinity when it falls on what never came. */
function q(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

const fmtMs = (ms: number) => (ms === Infinity ? 'late' : Number.isFinite(ms) ? (ms / 1000).toFixed(3) : '–');
const fmtN = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '–';

function report(opts: Options, results: RateResult[], loadBefore: number[], loadAfter: number[]): string[] {
  const tuning = Object.entries(workerTuning(loadEnv()))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const out = [
    `End-to-end benchmark: Temporal on ${opts.temporal}, ${opts.durationS} s per rate and phase, open loop, ` +
      (opts.temporalConfig.length ? `${opts.temporalConfig.map((kv) => kv.join('=')).join(' ')}, ` : '') +
      `${os.cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(1)).join(' ')} → ` +
      `${loadAfter.map((l) => l.toFixed(1)).join(' ')}, worker ${tuning}`,
    '',
    "Latency, s (e2e: POST /v1/notices → the customer's email at the SMTP capture; floor: a bare workflow's start → its",
    "no-op activity; sched = from the scheduled send, answer = from the API's answer or the start call's return)",
    '',
  ];
  const rows = results.flatMap((r) =>
    (['e2e', 'floor'] as const).map((kind) => {
      const p = r[kind];
      return [
        `${r.rate}/s`,
        kind,
        String(p.sent),
        String(p.failed + p.late),
        fmtMs(q(p.answer, 0.5)),
        fmtMs(q(p.answer, 0.99)),
        fmtMs(q(p.fromAnswer, 0.5)),
        fmtMs(q(p.fromAnswer, 0.99)),
        fmtMs(q(p.fromSchedule, 0.5)),
        fmtMs(q(p.fromSchedule, 0.99)),
        fmtMs(q(p.fromSchedule, 1)),
      ];
    }),
  );
  out.push(
    ...md(
      [
        'rate',
        'phase',
        'sent',
        'failed/late',
        'sched→answer p50',
        'p99',
        'answer→done p50',
        'p99',
        'sched→done p50',
        'p99',
        'max',
      ],
      rows,
    ),
    '',
    'Side by side (sched→done; ratio = e2e / floor)',
    '',
    ...md(
      [
        'rate',
        'e2e p50',
        'floor p50',
        'p50 ratio',
        'e2e p99',
        'floor p99',
        'p99 ratio',
        'answer→mail p99 ratio',
      ],
      results.map((r) => [
        `${r.rate}/s`,
        fmtMs(q(r.e2e.fromSchedule, 0.5)),
        fmtMs(q(r.floor.fromSchedule, 0.5)),
        ratio(q(r.e2e.fromSchedule, 0.5), q(r.floor.fromSchedule, 0.5)),
        fmtMs(q(r.e2e.fromSchedule, 0.99)),
        fmtMs(q(r.floor.fromSchedule, 0.99)),
        ratio(q(r.e2e.fromSchedule, 0.99), q(r.floor.fromSchedule, 0.99)),
        ratio(q(r.e2e.fromAnswer, 0.99), q(r.floor.fromSchedule, 0.99)),
      ]),
    ),
    '',
    'Where the time went (means over each phase, ms; CPU time per notice or floor run, ms)',
    '',
    ...md(
      [
        'rate',
        'phase',
        'wf task sched→start',
        'wf task run',
        'activity sched→start',
        'activity run',
        'receiveNotice',
        'notifyCustomer',
        'failed tries',
        'CPU ms/item: worker',
        'Temporal',
        'PostgreSQL',
        'API+bench',
      ],
      results.flatMap((r) =>
        (['e2e', 'floor'] as const).map((kind) => {
          const w = r[kind].worker;
          return [
            `${r.rate}/s`,
            kind,
            fmtN(w.wftScheduleToStart, 1),
            fmtN(w.wftExecution, 1),
            fmtN(w.activityScheduleToStart, 1),
            fmtN(w.activityExecution, 1),
            fmtN(w.receiveNotice, 1),
            fmtN(w.notifyCustomer, 1),
            fmtN(w.failedTries, 0),
            fmtN(w.cpuMs.worker, 1),
            fmtN(w.cpuMs.temporal, 1),
            fmtN(w.cpuMs.postgres, 1),
            fmtN(w.cpuMs.api, 1),
          ];
        }),
      ),
    ),
    '',
  );
  const knee = results.find((r) => q(r.e2e.fromSchedule, 0.99) > KNEE_S * 1000);
  const top = Math.max(...results.map((r) => r.rate));
  out.push(
    knee
      ? `Knee: ${knee.rate}/s (the lowest rate run whose e2e p99 passes ${KNEE_S} s: ${fmtMs(q(knee.e2e.fromSchedule, 0.99))} s)`
      : `Knee: not reached up to ${top}/s (e2e p99 under ${KNEE_S} s at every rate run)`,
  );
  const target = results.find((r) => r.rate === opts.targetRate);
  if (target) {
    const e = q(target.e2e.fromSchedule, 0.99);
    const f = q(target.floor.fromSchedule, 0.99);
    out.push(
      `Target at ${opts.targetRate}/s, e2e p99 ≤ ${TARGET_RATIO}× floor p99: ${fmtMs(e)} s vs ${fmtMs(f)} s = ` +
        `${ratio(e, f)}: ${e <= TARGET_RATIO * f ? 'PASS' : 'MISS'}`,
    );
  } else out.push(`Target at ${opts.targetRate}/s: not measured (not among the rates run)`);
  return out;
}

function md(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i > 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i > 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...rows.map(line),
  ];
}

main().catch((err) => {
  process.stderr.write(`bench:e2e failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
