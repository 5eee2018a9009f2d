import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { verifyAuditChain } from '@takedown/persistence';
import { statusQuery } from '@takedown/workflows/messages';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import type { ClientStats } from './client';
import { CATEGORY, SETTLED, SOURCE, type NoticeRun } from './scenario';

export interface Check {
  invariant: string;
  /** null: the check could not run (what it needs is not there). */
  ok: boolean | null;
  detail: string;
}

export interface HealthObservation {
  during: 'postgres down' | 'temporal down';
  app: 'api' | 'worker';
  status: number | null;
  /** The parts the body says are down. */
  down: string[];
}

interface EventRow {
  notice_id: string;
  type: string;
  actor: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/** Seconds, one decimal. */
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Everything the fault run promises, checked against what PostgreSQL, Temporal, the SMTP capture and the logs hold
 * once the system has settled.
 */
export async function checkInvariants(input: {
  db: DataSource;
  temporal: Client;
  runs: NoticeRun[];
  mailDir: string;
  logDir: string;
  toleranceMs: number;
  clientStats: ClientStats;
  /** The emails whose `250` the capture held while the worker was killed: their delivery was unknown to it. */
  heldAtKill: string[];
  health: HealthObservation[];
  unexpectedExits: string[];
  /** Stops the API and the worker with SIGTERM (after the checks that need them, before the logs are read). */
  stopApps: () => Promise<{ app: string; ms: number; ok: boolean }[]>;
}): Promise<Check[]> {
  const { db, runs } = input;
  const notices = (await db.query(
    `SELECT id, state, outcome, deadline, received_at, source_reference FROM notices WHERE source_name = $1`,
    [SOURCE.name],
  )) as {
    id: string;
    state: string;
    outcome: string | null;
    deadline: Date | null;
    received_at: Date;
    source_reference: string;
  }[];
  const byId = new Map(notices.map((n) => [n.id, n]));
  const events = (await db.query(
    `SELECT e.notice_id, e.type, e.actor, e.occurred_at, e.data FROM notice_events e
     JOIN notices n ON n.id = e.notice_id WHERE n.source_name = $1 ORDER BY e.occurred_at, e.id`,
    [SOURCE.name],
  )) as EventRow[];
  const eventsOf = new Map<string, EventRow[]>();
  for (const e of events) eventsOf.set(e.notice_id, [...(eventsOf.get(e.notice_id) ?? []), e]);
  const tasks = (await db.query(
    `SELECT t.id, t.notice_id, t.kind, t.status, t.idempotency_key FROM tasks t
     JOIN notices n ON n.id = t.notice_id WHERE n.source_name = $1`,
    [SOURCE.name],
  )) as { id: string; notice_id: string; kind: string; status: string; idempotency_key: string }[];

  const checks = [
    await settled(input.temporal, runs, byId, eventsOf),
    await oneWorkflowPerNotice(db, input.temporal, runs, byId),
    emailsAtLeastOnce(
      await db.query(
        `SELECT idempotency_key, committed_at, sent_at, resends, created_at FROM outbound_emails`,
      ),
      captured(input.mailDir),
      eventsOf,
      tasks,
      byId,
      input.heldAtKill,
    ),
    deadlinesOnTime(runs, byId, eventsOf, input.toleranceMs),
    duplicatesHadOneEffect(runs, eventsOf, tasks, input.clientStats),
    await auditChain(db),
    healthNamedThePart(input.health),
  ];
  const stops = await input.stopApps();
  return [...checks, logsClean(input.logDir, input.unexpectedExits), gracefulStop(stops)];
}

/** Every accepted notice is where its behaviour and its timers put it, in PostgreSQL and in its workflow alike. */
async function settled(
  temporal: Client,
  runs: NoticeRun[],
  byId: Map<string, { state: string; outcome: string | null; deadline: Date | null }>,
  eventsOf: Map<string, EventRow[]>,
): Promise<Check> {
  const wrong: string[] = [];
  let lateBecauseOfOutage = 0;
  let agree = 0;
  for (const run of runs) {
    if (!run.id) {
      wrong.push(`#${run.index} never accepted (${run.problem ?? 'no id'})`);
      continue;
    }
    const n = byId.get(run.id);
    if (!n) {
      wrong.push(`#${run.index} ${run.id}: accepted but not stored`);
      continue;
    }
    const snapshot = { id: run.id, state: n.state, outcome: n.outcome, openTasks: [] };
    if (!SETTLED[run.behaviour](snapshot)) {
      wrong.push(
        `#${run.index} ${run.behaviour}: ${n.state}/${n.outcome ?? '-'}${run.problem ? ` (${run.problem})` : ''}`,
      );
      continue;
    }
    if (run.behaviour === 'in_time' && n.outcome === 'removed_late') {
      // The workflow times an answer when it handles it: one that waited out an outage may land after the deadline.
      const claim = eventsOf.get(run.id)?.find((e) => e.type === 'removal_claimed');
      if (claim && n.deadline && claim.occurred_at > n.deadline) lateBecauseOfOutage++;
      else wrong.push(`#${run.index} in_time: removed_late although claimed before the deadline`);
    }
    try {
      const status = await temporal.workflow.getHandle(noticeWorkflowId(run.id)).query(statusQuery);
      if (status.state === n.state && (status.outcome ?? null) === n.outcome) agree++;
      else
        wrong.push(
          `#${run.index}: PostgreSQL says ${n.state}/${n.outcome}, the workflow ${status.state}/${status.outcome}`,
        );
    } catch (err) {
      wrong.push(`#${run.index}: workflow query failed: ${(err as Error).message}`);
    }
  }
  const counts = Object.entries(
    runs.reduce<Record<string, number>>(
      (acc, r) => ((acc[r.behaviour] = (acc[r.behaviour] ?? 0) + 1), acc),
      {},
    ),
  )
    .map(([b, k]) => `${b} ${k}`)
    .join(', ');
  return {
    invariant: 'every accepted notice is terminal or where its timers say',
    ok: wrong.length === 0,
    detail:
      `${runs.length - wrong.length}/${runs.length} (${counts}); PostgreSQL and workflow agree on ${agree}` +
      (lateBecauseOfOutage
        ? `; ${lateBecauseOfOutage} in-time answers handled after the deadline (outage) closed late`
        : '') +
      more(wrong),
  };
}

/** One notice per source reference, one workflow run per notice; workflows whose intake rolled back end. */
async function oneWorkflowPerNotice(
  db: DataSource,
  temporal: Client,
  runs: NoticeRun[],
  byId: Map<string, unknown>,
): Promise<Check> {
  const wrong: string[] = [];
  const doubles = (await db.query(
    `SELECT source_reference, count(*)::int AS n FROM notices WHERE source_name = $1 GROUP BY 1 HAVING count(*) > 1`,
    [SOURCE.name],
  )) as { source_reference: string; n: number }[];
  for (const d of doubles) wrong.push(`${d.source_reference}: ${d.n} notices`);
  for (const run of runs)
    if (run.intakeIds.size > 1)
      wrong.push(`#${run.index}: intake answered ${[...run.intakeIds].join(' and ')}`);
  const executions = new Map<string, string[]>();
  const startedAt = new Map<string, number>();
  for await (const wf of temporal.workflow.list({ query: `WorkflowType = 'noticeWorkflow'` })) {
    executions.set(wf.workflowId, [...(executions.get(wf.workflowId) ?? []), wf.status.name]);
    startedAt.set(wf.workflowId, wf.startTime.getTime());
  }
  let orphans = 0;
  const orphanStatuses: Record<string, number> = {};
  for (const [workflowId, statuses] of executions) {
    const id = workflowId.replace(/^notice-/, '');
    if (!byId.has(id)) {
      orphans++;
      for (const st of statuses) orphanStatuses[st] = (orphanStatuses[st] ?? 0) + 1;
      // A workflow whose intake never committed must end with NOTICE.NOT_FOUND, not retry for ever.
      if (statuses.includes('RUNNING')) {
        // It gives up a minute after it started, at its next retry (at most a minute later).
        const age = Date.now() - (startedAt.get(workflowId) ?? 0);
        if (age > ORPHAN_GIVES_UP_MS) wrong.push(`${workflowId}: no notice, still running after ${s(age)}`);
      } else {
        const ended = await temporal.workflow
          .getHandle(workflowId)
          .result()
          .then(
            () => 'completed',
            (err: unknown) => failureType(err),
          );
        if (ended !== 'NOTICE.NOT_FOUND') wrong.push(`${workflowId}: no notice, ended ${ended}`);
      }
      continue;
    }
    if (statuses.length > 1) wrong.push(`${workflowId}: ${statuses.length} runs`);
  }
  for (const id of byId.keys())
    if (!executions.has(noticeWorkflowId(id))) wrong.push(`notice ${id}: no workflow`);
  return {
    invariant: 'no notice has two workflows',
    ok: wrong.length === 0,
    detail:
      `${byId.size} notices, ${executions.size - orphans} workflows, one run each` +
      (orphans
        ? `; ${orphans} workflows of rolled-back intakes (${Object.entries(orphanStatuses)
            .map(([k, v]) => `${v} ${k.toLowerCase()}`)
            .join(', ')})`
        : '') +
      more(wrong),
  };
}

/** See NoticeActivitiesService.recordEvent: a minute, then the next retry, at most a minute apart; with room. */
const ORPHAN_GIVES_UP_MS = 150_000;

/** The type of the application failure at the bottom of a workflow's failure (workflow → activity → cause). */
function failureType(err: unknown): string {
  for (let e = err as { type?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.type === 'string') return e.type;
  }
  return String((err as Error).message);
}

/** The SMTP capture's messages, counted by idempotency key. */
function captured(mailDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of fs.existsSync(mailDir) ? fs.readdirSync(mailDir) : []) {
    if (!name.endsWith('.eml') || name.startsWith('.')) continue;
    const raw = fs.readFileSync(path.join(mailDir, name), 'utf8');
    const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
    // Header lines may be folded (a continuation starts with white space).
    const match = /^X-Takedown-Idempotency-Key:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(head);
    const key = match ? match[1].replace(/\r?\n[ \t]+/g, ' ').trim() : `(no key: ${name})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Each email step delivered at least once, counted at the SMTP capture by idempotency key; a repeat only after an
 * attempt could not confirm its delivery (the outbox counts those in `resends`), always under the same Message-ID
 * (the mailer derives it from the key).
 */
function emailsAtLeastOnce(
  rows: {
    idempotency_key: string;
    committed_at: Date | null;
    sent_at: Date | null;
    resends: number;
    created_at: Date;
  }[],
  capture: Map<string, number>,
  eventsOf: Map<string, EventRow[]>,
  tasks: { id: string; idempotency_key: string }[],
  byId: Map<string, unknown>,
  heldAtKill: string[],
): Check {
  const wrong: string[] = [];
  const known = new Map(rows.map((r) => [r.idempotency_key, r]));
  // The worker died after the server had the message and before it heard so: sent again, counted as a resend.
  for (const key of heldAtKill) {
    const n = capture.get(key) ?? 0;
    const resends = known.get(key)?.resends ?? 0;
    if (n < 2 || resends < 1)
      wrong.push(`${key}: its 250 held at the worker kill, delivered ${n} times, ${resends} resends`);
  }
  const repeatsAllowed = (key: string) => known.get(key)?.resends ?? 0;
  let resent = 0;
  for (const r of rows) {
    const n = capture.get(r.idempotency_key) ?? 0;
    resent += r.resends;
    if (n > 1 + r.resends) wrong.push(`${r.idempotency_key}: delivered ${n} times, ${r.resends} resends`);
    if (r.sent_at && n === 0) wrong.push(`${r.idempotency_key}: sent, but the capture does not have it`);
    if (r.committed_at && !r.sent_at) wrong.push(`${r.idempotency_key}: delivery never confirmed`);
    if (!r.sent_at && !r.committed_at && Date.now() - r.created_at.getTime() > 30_000) {
      wrong.push(`${r.idempotency_key}: never sent`);
    }
  }
  for (const key of capture.keys())
    if (!known.has(key)) wrong.push(`${key}: delivered, but no step asked for it`);
  // The steps the timelines record each had their email: once, or again only after an unconfirmed delivery.
  const taskKey = new Map(tasks.map((t) => [t.id, t.idempotency_key]));
  let steps = 0;
  for (const id of byId.keys()) {
    for (const e of eventsOf.get(id) ?? []) {
      const keys: string[] = [];
      const optional: string[] = [];
      if (e.type === 'customer_notified' && !e.data.reopened) keys.push(`${id}:notify:0`);
      if (e.type === 'customer_reminded') {
        keys.push(e.data.lastCall ? `${id}:last-call:0` : `${id}:reminder:0:${String(e.data.reminder)}`);
      }
      if (e.type === 'task_opened')
        keys.push(taskKey.get(String(e.data.taskId)) ?? `task ${String(e.data.taskId)}`);
      // A task closed before its reminder was due gets none: at most one.
      if (e.type === 'task_reminded') optional.push(`${String(e.data.taskId)}:reminder`);
      if (e.type === 'closed') keys.push(`${id}:feedback:0`);
      for (const key of keys) {
        steps++;
        const n = capture.get(key) ?? 0;
        if (n < 1 || n > 1 + repeatsAllowed(key)) wrong.push(`${e.type} of ${id}: ${n} emails for ${key}`);
      }
      for (const key of optional) {
        steps++;
        const n = capture.get(key) ?? 0;
        if (n > 1 + repeatsAllowed(key)) wrong.push(`${e.type} of ${id}: ${n} emails for ${key}`);
      }
    }
  }
  const total = [...capture.values()].reduce((a, b) => a + b, 0);
  return {
    invariant: 'each email step delivered at least once, again only after an unconfirmed delivery',
    ok: wrong.length === 0,
    detail:
      `${total} messages for ${capture.size} keys; ${rows.length} outbox rows; ${steps} timeline steps checked` +
      (resent ? `; ${resent} sent again after an unconfirmed delivery` : '') +
      (heldAtKill.length ? ` (${heldAtKill.length} of them held at a worker kill)` : '') +
      more(wrong),
  };
}

/**
 * Escalations (at the deadline) and suspensions (after it) fired on time, whatever was restarted. A workflow takes
 * one step at a time: a timer that comes due while the step before it is still being retried (an email during an
 * outage) fires when that step ends. So a timer is measured from when it could fire: its due time, or the end of the
 * step before it, whichever is later. How late it was against its due time alone is reported too.
 */
function deadlinesOnTime(
  runs: NoticeRun[],
  byId: Map<string, { deadline: Date | null }>,
  eventsOf: Map<string, EventRow[]>,
  toleranceMs: number,
): Check {
  const wrong: string[] = [];
  const lateness: number[] = [];
  const againstDue: number[] = [];
  // The `demo` policy's suspendAfter: CSAM 4 s, removal orders at once.
  const SUSPEND_AFTER_MS: Partial<Record<string, number>> = { csam: 4000, terrorist_content: 0 };
  const measure = (run: NoticeRun, timeline: EventRow[], fired: EventRow, dueMs: number, what: string) => {
    const before = timeline.filter((e) => e.occurred_at < fired.occurred_at).pop();
    const couldFire = Math.max(dueMs, before?.occurred_at.getTime() ?? 0);
    const late = fired.occurred_at.getTime() - couldFire;
    lateness.push(late);
    againstDue.push(fired.occurred_at.getTime() - dueMs);
    if (fired.occurred_at.getTime() < dueMs - 1000)
      wrong.push(`#${run.index}: ${what} ${s(dueMs - fired.occurred_at.getTime())} early`);
    else if (late > toleranceMs) wrong.push(`#${run.index}: ${what} ${s(late)} late`);
  };
  for (const run of runs) {
    if (!run.id) continue;
    const deadline = byId.get(run.id)?.deadline;
    const timeline = eventsOf.get(run.id) ?? [];
    const escalated = timeline.find((e) => e.type === 'escalated' && e.actor === 'workflow');
    if (!deadline) continue;
    if (!escalated) {
      if (run.behaviour === 'never' || run.behaviour === 'late' || run.behaviour === 'false_claim') {
        wrong.push(`#${run.index} ${run.behaviour}: never escalated`);
      }
      continue;
    }
    // While a removal claim awaits the desk the deadline waits too (the workflow's rule): a rejected claim makes
    // the deadline due when it was rejected, if that is later.
    const rejected = timeline
      .filter((e) => e.type === 'still_online' && e.occurred_at < escalated.occurred_at)
      .pop();
    measure(
      run,
      timeline,
      escalated,
      Math.max(deadline.getTime(), rejected?.occurred_at.getTime() ?? 0),
      'escalation',
    );
    const suspended = timeline.find((e) => e.type === 'suspension_requested' && e.actor === 'workflow');
    const after = SUSPEND_AFTER_MS[CATEGORY[run.behaviour]];
    if (suspended && after !== undefined) {
      measure(run, timeline, suspended, escalated.occurred_at.getTime() + after, 'suspension');
    }
  }
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    return `p50 ${s(at(0.5))}, p99 ${s(at(0.99))}, max ${s(sorted.at(-1) ?? 0)}`;
  };
  return {
    invariant: 'every deadline fired within the tolerance',
    ok: wrong.length === 0,
    detail:
      `${lateness.length} timers, late after they could fire: ${stats(lateness)} (tolerance ${s(toleranceMs)}); ` +
      `against the policy alone: ${stats(againstDue)}` +
      more(wrong),
  };
}

/** Answers and completions sent twice (some at once) had one effect each, and none got a 5xx. */
function duplicatesHadOneEffect(
  runs: NoticeRun[],
  eventsOf: Map<string, EventRow[]>,
  tasks: { id: string; notice_id: string; kind: string }[],
  stats: ClientStats,
): Check {
  const wrong: string[] = [...stats.serverErrors.slice(0, 5)];
  let sent = 0;
  // The workflow records each dispute it gets on the timeline (a signed link works once, the API has no such
  // guard); the effect, the review task, is one. Reported, not failed.
  let disputesRecordedTwice = 0;
  for (const run of runs) {
    if (!run.id) continue;
    for (const status of [...run.answerStatuses, ...run.completionStatuses]) {
      sent++;
      if (![200, 202, 409].includes(status)) wrong.push(`#${run.index}: a duplicate got ${status}`);
    }
    const timeline = eventsOf.get(run.id) ?? [];
    const claims = timeline.filter((e) => e.type === 'removal_claimed').length;
    const expectedClaims = run.behaviour === 'never' || run.behaviour === 'dispute' ? 0 : 1;
    if (claims !== expectedClaims) wrong.push(`#${run.index} ${run.behaviour}: ${claims} removal claims`);
    const completed = new Map<string, number>();
    for (const e of timeline.filter((x) => x.type === 'task_completed')) {
      const taskId = String(e.data.taskId);
      completed.set(taskId, (completed.get(taskId) ?? 0) + 1);
    }
    for (const [taskId, n] of completed) if (n > 1) wrong.push(`task ${taskId}: completed ${n} times`);
    const reviews = tasks.filter((t) => t.notice_id === run.id && t.kind === 'dispute_review').length;
    if (run.behaviour === 'dispute' && reviews !== 1) wrong.push(`#${run.index}: ${reviews} dispute reviews`);
    if (timeline.filter((e) => e.type === 'disputed').length > 1) disputesRecordedTwice++;
  }
  return {
    invariant: 'answers and completions sent twice: one effect, no 5xx',
    ok: wrong.length === 0 && stats.serverErrors.length === 0,
    detail:
      `${sent} requests (half of them repeats); statuses ${Object.entries(stats.statuses)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ')}; ${stats.networkErrors} unanswered, ${stats.retries} retries` +
      (disputesRecordedTwice
        ? `; ${disputesRecordedTwice} repeated API disputes on the timeline twice (one review each)`
        : '') +
      more(wrong),
  };
}

async function auditChain(db: DataSource): Promise<Check> {
  const result = await verifyAuditChain(db);
  return {
    invariant: 'the audit chain verifies',
    ok: result.ok,
    detail: result.ok
      ? `${result.rows} rows`
      : `${result.rows} rows verified, then: ${result.broken.problem}`,
  };
}

function healthNamedThePart(observations: HealthObservation[]): Check {
  const wrong: string[] = [];
  for (const o of observations) {
    const part = o.during === 'postgres down' ? 'postgres' : 'temporal';
    if (o.status !== 503 || o.down.join() !== part) {
      wrong.push(
        `${o.app} with ${o.during}: ${o.status ?? 'no answer'}, down: ${o.down.join(', ') || 'none'}`,
      );
    }
  }
  return {
    invariant: 'health named the part that was down',
    ok: observations.length > 0 && wrong.length === 0,
    detail: `${observations.length} probes during outages` + more(wrong),
  };
}

/**
 * What counts as an unhandled error in the text lines of the API and the worker (Nest's console logger, the SDK
 * core's own lines, a crash on stderr). Level words are matched in capitals only: `error=` in a warning is not one.
 */
const ERROR_LINE = /\b(ERROR|FATAL)\b|^(api|worker) failed:/;
const UNHANDLED = /\b(unhandled|uncaught)\b/i;

// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

function logsClean(logDir: string, unexpectedExits: string[]): Check {
  const wrong: string[] = [...unexpectedExits];
  let lines = 0;
  for (const app of ['api', 'worker']) {
    const file = path.join(logDir, `${app}.log`);
    if (!fs.existsSync(file)) continue;
    for (const raw of fs.readFileSync(file, 'utf8').replace(ANSI_COLOUR, '').split('\n')) {
      if (!raw.trim()) continue;
      lines++;
      let bad: boolean;
      try {
        const entry = JSON.parse(raw) as { level?: unknown; msg?: unknown };
        bad =
          (typeof entry.level === 'number' && entry.level >= 50) ||
          (typeof entry.level === 'string' && /^(error|fatal)$/i.test(entry.level)) ||
          UNHANDLED.test(String(entry.msg ?? ''));
      } catch {
        bad = ERROR_LINE.test(raw) || UNHANDLED.test(raw);
      }
      if (bad) wrong.push(`${app}: ${raw.slice(0, 300)}`);
    }
  }
  return {
    invariant: 'no unhandled error in the logs',
    ok: wrong.length === 0,
    detail: `${lines} lines of API and worker logs` + more(wrong),
  };
}

function gracefulStop(stops: { app: string; ms: number; ok: boolean }[]): Check {
  return {
    invariant: 'SIGTERM: the API and the worker stop in order',
    ok: stops.length === 2 && stops.every((x) => x.ok),
    detail: stops
      .map((x) => `${x.app} ${x.ok ? 'stopped' : 'did not stop cleanly'} in ${s(x.ms)}`)
      .join(', '),
  };
}

function more(wrong: string[]): string {
  if (!wrong.length) return '';
  return `\n    ${wrong.slice(0, 8).join('\n    ')}${wrong.length > 8 ? `\n    … and ${wrong.length - 8} more` : ''}`;
}

/** The table the run prints. */
export function formatTable(checks: Check[]): string {
  const mark = (c: Check) => (c.ok === null ? 'N/A ' : c.ok ? 'ok  ' : 'FAIL');
  const width = Math.max(...checks.map((c) => c.invariant.length));
  return checks
    .map((c) => {
      const [first, ...rest] = c.detail.split('\n');
      return [`${mark(c)}  ${c.invariant.padEnd(width)}  ${first}`, ...rest.map((l) => `      ${l}`)].join(
        '\n',
      );
    })
    .join('\n');
}
