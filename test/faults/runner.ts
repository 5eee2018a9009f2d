import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { parseLinkKeys } from '@takedown/links';
import { createApiToken, dataSourceOptions } from '@takedown/persistence';
import { ApiClient } from './client';
import { FaultStack, type App } from './fault-stack';
import { checkInvariants, type Check, type HealthObservation } from './invariants';
import type { FaultPlan } from './plan';
import { Scenario, seedCustomers } from './scenario';
import { NoticeWatcher } from './watcher';

export interface FaultRecord {
  fault: string;
  /** When it started, from the first notice. */
  atMs: number;
  /** Until everything was healthy again. */
  tookMs: number;
  note: string;
}

export interface FaultReport {
  plan: FaultPlan;
  ok: boolean;
  checks: Check[];
  faults: FaultRecord[];
  durationMs: number;
  /** Kept when the run failed or FAULTS_KEEP=1: logs, mail, data. */
  dir: string | null;
}

/** The last timer of a `demo` notice (CSAM: lead escalation at 36 s, its task reminder 6 s later), with room. */
const LAST_TIMER_MS = 50_000;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The fault suite (docs/faults.md): the real stack with the `demo` policy, a few hundred notices with a mix of
 * customer behaviours, and while they run: the worker SIGKILLed while the SMTP server holds its 250, the API SIGKILLed with intake
 * requests in flight, Temporal restarted with timers pending, PostgreSQL stopped and started, the SMTP server
 * refusing every other message for a while. Then the invariants, checked against what was stored and delivered.
 */
export async function runFaultSuite(
  plan: FaultPlan,
  say: (line: string) => void,
  opts: { keep?: boolean } = {},
): Promise<FaultReport> {
  const started = Date.now();
  // On a RAM disk where there is one: what is tested is processes that die and restart, not disks; and SQLite's and
  // PostgreSQL's fsyncs on a busy shared disk would make the run measure the disk.
  const tmp = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmp, 'takedown-faults-'));
  const runTag = randomBytes(3).toString('hex');
  const linkKeys = `faults:${randomBytes(32).toString('hex')}`;
  const stack = await FaultStack.create(
    dir,
    {
      POLICY_PROFILE: 'demo',
      LOG_LEVEL: 'info',
      LINK_SIGNING_KEYS: linkKeys,
      TEMPORAL_TASK_QUEUE: 'takedown-faults',
      // The clients here are one integration hammering the API: no rate limit is in question.
      RATE_LIMIT_PER_MINUTE: '1000000',
    },
    say,
  );
  const killAll = () => stack.killChildrenNow();
  process.once('exit', killAll);
  // Ctrl-C: nothing of the run may stay behind, on the RAM disk least of all.
  const interrupted = () => {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let db: DataSource | null = null;
  let watcher: NoticeWatcher | null = null;
  let connection: Connection | null = null;
  let ok = false;
  try {
    say(`stack in ${dir}`);
    const built = stack.build();
    await stack.startPostgres();
    await stack.migrate();
    await stack.startTemporal();
    await stack.startCapture();
    await built;
    say(`stack up and project built after ${s(Date.now() - started)}`);
    db = await new DataSource(dataSourceOptions(stack.databaseUrl, { poolSize: 4 })).initialize();
    const customers = await seedCustomers(db, plan.customers, runTag);
    const { token } = await createApiToken(db, {
      name: 'fault suite',
      role: 'admin',
      createdBy: 'test:faults',
    });
    stack.startApp('worker');
    stack.startApp('api');
    await Promise.all([stack.waitHealthy('api'), stack.waitHealthy('worker')]);
    say(`API and worker healthy after ${s(Date.now() - started)}`);

    const client = new ApiClient(stack.apiUrl, token);
    watcher = new NoticeWatcher(stack.databaseUrl, 'Fault Hotline');
    watcher.start();
    const scenario = new Scenario(
      { client, watcher, customers, linkKeys: parseLinkKeys(linkKeys), runTag },
      plan.notices,
    );
    const phaseStart = Date.now();
    const drivers = scenario.run(plan.submitSpanMs);
    const faults: FaultRecord[] = [];
    const health: HealthObservation[] = [];
    const fault = async (name: string, act: () => Promise<string>) => {
      const at = Date.now();
      say(`fault: ${name}`);
      const note = await act();
      faults.push({ fault: name, atMs: at - phaseStart, tookMs: Date.now() - at, note });
      say(`  ${note} (${s(Date.now() - at)})`);
    };
    // A fault that missed its window (nothing in flight to interrupt) proved nothing: the run fails on it.
    const missed: string[] = [];
    // The emails whose 250 the killed worker never heard.
    const heldAtKill: string[] = [];
    const probeHealth = async (during: HealthObservation['during']) => {
      for (const app of ['api', 'worker'] as const) health.push(await observeHealth(stack, app, during));
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const gap = Math.min(5000, plan.submitSpanMs / plan.rounds / 12);

    for (let round = 1; round <= plan.rounds; round++) {
      // Rounds are spread over the submissions, so that the system has time to catch up between them.
      await pause(Math.max(gap, phaseStart + ((round - 1) * plan.submitSpanMs) / plan.rounds - Date.now()));
      await fault("SIGKILL the worker while it waits for the SMTP server's 250", async () => {
        // The capture has the customer's first notice email and holds its answer: the worker dies not knowing whether
        // it was delivered (the email the long run once lost). It must be sent again.
        const held = await stack.holdNextMailAnswer(90_000, (key) => key?.endsWith(':notify:0') ?? false);
        if (!held) missed.push(`round ${round}: no notice email sent within 90 s of the worker kill`);
        await stack.kill('worker');
        held?.release();
        if (held?.key) heldAtKill.push(held.key);
        stack.startApp('worker');
        const ms = await stack.waitHealthy('worker');
        return `${held ? `killed with the 250 of ${held.key} held` : 'no notice email in 90 s, killed anyway'}; healthy again after ${s(ms)}`;
      });
      await pause(gap);
      await fault('SIGKILL the API with intake requests in flight', async () => {
        const caught = await pollUntil(async () => scenario.intakeInFlight > 0, 5, 90_000);
        const inFlight = scenario.intakeInFlight;
        if (!caught) missed.push(`round ${round}: no intake request in flight within 90 s of the API kill`);
        await stack.kill('api');
        stack.startApp('api');
        const ms = await stack.waitHealthy('api');
        return `${caught ? `${inFlight} intake requests in flight` : 'none in flight'}; healthy again after ${s(ms)}`;
      });
      await pause(gap);
      await fault('restart Temporal (same SQLite file) with timers pending', async () => {
        const pending = await timersPending(db as DataSource);
        const t0 = Date.now();
        await stack.stopTemporal();
        const stopped = Date.now() - t0;
        await probeHealth('temporal down');
        const t1 = Date.now();
        await stack.startTemporal();
        const restarted = Date.now() - t1;
        await Promise.all([stack.waitHealthy('api'), stack.waitHealthy('worker')]);
        return `${pending} notices waiting on a timer; stopped in ${s(stopped)}, up again in ${s(restarted)}`;
      });
      await pause(gap);
      await fault(`stop PostgreSQL for ${s(plan.postgresOutageMs)}`, async () => {
        await stack.stopPostgres();
        await pause(Math.min(3000, plan.postgresOutageMs / 2));
        await probeHealth('postgres down');
        await pause(plan.postgresOutageMs - Math.min(3000, plan.postgresOutageMs / 2));
        await stack.startPostgres();
        await Promise.all([stack.waitHealthy('api'), stack.waitHealthy('worker')]);
        return 'started again on the same data folder';
      });
      await pause(gap);
      await fault(`SMTP refuses every other message (451) for ${s(plan.smtpRefusalMs)}`, async () => {
        stack.refuseEveryOtherMail(true);
        await pause(plan.smtpRefusalMs);
        stack.refuseEveryOtherMail(false);
        return 'accepting every message again';
      });
    }
    say('faults done; waiting for every notice to settle');
    await drivers;
    const lastSubmitted = phaseStart + plan.submitSpanMs;
    const settled = await pollUntil(
      async () => Date.now() > lastSubmitted + LAST_TIMER_MS && (await quiet(db as DataSource)),
      500,
      600_000,
    );
    say(`${settled ? 'settled' : 'NOT settled'} after ${s(Date.now() - phaseStart)}; checking`);

    connection = await Connection.connect({ address: stack.temporalAddress });
    const checks = await checkInvariants({
      db,
      // The key the stack's API and worker generated in its data folder.
      temporal: new Client({ connection, dataConverter: temporalDataConverter(loadEnv(stack.childEnv)) }),
      runs: scenario.runs,
      mailDir: stack.mailDir,
      logDir: stack.logDir,
      toleranceMs: toleranceFor(plan),
      clientStats: client.stats,
      heldAtKill,
      health,
      unexpectedExits: stack.unexpectedExits,
      stopApps: async () => {
        const stops: { app: App; ms: number; ok: boolean }[] = [];
        for (const app of ['api', 'worker'] as const) {
          stops.push(
            await stack.terminate(app).then(
              ({ ms }) => ({ app, ms, ok: true }),
              () => ({ app, ms: 20_000, ok: false }),
            ),
          );
        }
        return stops;
      },
    });
    checks.unshift(
      {
        invariant: 'every fault hit its window (something in flight to interrupt)',
        ok: missed.length === 0,
        detail: missed.length ? missed.join('; ') : `${faults.length} faults`,
      },
      {
        invariant: 'the system settled (no notice still moving) within 10 min of the last fault',
        ok: settled,
        detail: settled ? 'settled' : 'still moving after 10 min: the checks below saw an unsettled system',
      },
    );
    // A check that could not run (null) proves nothing: only a pass counts.
    ok = checks.every((c) => c.ok === true);
    return { plan, ok, checks, faults, durationMs: Date.now() - started, dir: ok && !opts.keep ? null : dir };
  } finally {
    await watcher?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await db?.destroy().catch(() => undefined);
    await stack.stop();
    process.removeListener('exit', killAll);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    if (ok && !opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How late a timer may fire (docs/faults.md), from the notice workflow's activity options and the faults' length:
 * - 30 s: an activity whose worker was SIGKILLed, or whose completion was lost while Temporal restarted, is retried
 *   only after its start-to-close timeout;
 * - 2 × the longest outage: an activity that fails throughout an outage of d is retried 1 s, 2 s, 4 s … apart (at
 *   most a minute), so its next attempt comes up to about d after the outage ends; the workflow takes one step at a
 *   time, and a timer that came due meanwhile fires after that step;
 * - 15 s: a worker restart and Temporal's workflow task timeouts.
 */
export function toleranceFor(plan: FaultPlan): number {
  return ACTIVITY_START_TO_CLOSE_MS + 2 * Math.max(plan.postgresOutageMs, plan.smtpRefusalMs) + 15_000;
}

/** workflows/notice.workflow.ts: `startToCloseTimeout: '30 seconds'`. */
const ACTIVITY_START_TO_CLOSE_MS = 30_000;

async function pollUntil(
  probe: () => Promise<boolean>,
  everyMs: number,
  timeoutMs: number,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return true;
    } catch {
      // the database may be down: try again
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function timersPending(db: DataSource): Promise<number> {
  const [{ n }] = (await db.query(
    `SELECT count(*)::int AS n FROM notices WHERE state NOT IN ('closed', 'needs_triage')`,
  )) as { n: number }[];
  return n;
}

/** Nothing left to send, no source feedback owed for a closed notice, and no step recorded for five seconds. */
async function quiet(db: DataSource): Promise<boolean> {
  // A notice's source feedback follows its `closed` event: an activity that Temporal is still retrying (after its
  // restart, on a busy machine) has no outbox row yet, and no event comes meanwhile.
  const [row] = (await db.query(
    `SELECT (SELECT count(*)::int FROM outbound_emails WHERE sent_at IS NULL) AS pending,
            (SELECT count(*)::int FROM notice_events e WHERE e.type = 'closed' AND NOT EXISTS (
               SELECT 1 FROM outbound_emails o WHERE o.idempotency_key = e.notice_id || ':feedback:0')) AS owed,
            (SELECT max(occurred_at) FROM notice_events) AS last`,
  )) as { pending: number; owed: number; last: Date | null }[];
  return row.pending === 0 && row.owed === 0 && (!row.last || Date.now() - row.last.getTime() > 5000);
}

async function observeHealth(
  stack: FaultStack,
  app: 'api' | 'worker',
  during: HealthObservation['during'],
): Promise<HealthObservation> {
  try {
    const res = await fetch(`${app === 'api' ? stack.apiUrl : stack.workerUrl}/health`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as Record<string, unknown>;
    // The API answers in terminus' shape (details: part → {status}), the worker with part → 'up' | 'down'.
    const parts =
      app === 'api'
        ? Object.entries((body.details ?? {}) as Record<string, { status?: string }>).map(([k, v]) => [
            k,
            v.status,
          ])
        : Object.entries(body).filter(([k]) => k === 'postgres' || k === 'temporal');
    return {
      during,
      app,
      status: res.status,
      down: parts.filter(([, v]) => v === 'down').map(([k]) => String(k)),
    };
  } catch {
    return { during, app, status: null, down: [] };
  }
}
