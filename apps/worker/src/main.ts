import 'reflect-metadata';
import * as http from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { freePort, loadEnvOrExit, temporalConnectionOptions, temporalDataConverter } from '@takedown/config';
import {
  createRegistry,
  nestLogger,
  processLogger,
  temporalLogger,
  workerBusinessMetrics,
  workerTaskMetrics,
} from '@takedown/observability';
import { createDatabaseProbe, waitForDatabase, type DatabaseProbe } from '@takedown/persistence';
import { createWorker } from './create-worker';
import { connectWithBackoff } from './connect';
import { ensureSchedules } from './schedules';
import { WorkerModule } from './worker.module';
import { workerTuning } from './worker-settings';

const CORE_LEVELS: Record<string, LogLevel> = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'WARN',
  debug: 'DEBUG',
  trace: 'TRACE',
  silent: 'ERROR',
};

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS || !env.SMTP_URL) {
    process.stderr.write(
      'The worker needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL (npm start sets them).\n',
    );
    process.exit(78);
  }
  // Resolved at start: production without TEMPORAL_PAYLOAD_KEYS stops at once, naming it.
  const dataConverter = temporalDataConverter(env);
  // One JSON logger for everything this process says: its own lines, Nest's, the SDK's and its Rust core's (which
  // otherwise prints coloured text straight to the console). Shutdown on signals is ours (below), so the HTTP
  // server and DI container close in order too.
  const logger = processLogger('worker', env.LOG_LEVEL);
  // The SDK core's own metrics (workflow and activity task counters, poll and schedule latencies) are served on a
  // private loopback port and appended to this process's /metrics, so one scrape sees the whole worker.
  const corePort = await freePort();
  Runtime.install({
    shutdownSignals: [],
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: `127.0.0.1:${corePort}`,
          countersTotalSuffix: true,
          useSecondsForDurations: true,
        },
        globalTags: { app: 'worker' },
      },
      // The core's INFO lines are per-poll internals: below WARN only when the operator asks for debug or trace.
      logging: { filter: { core: CORE_LEVELS[env.LOG_LEVEL], other: 'ERROR' }, forward: {} },
    },
    logger: temporalLogger(logger),
  });
  const registry = createRegistry('worker');
  const log = (msg: string) => logger.info(msg);

  // /health answers from the start, part by part, so that a worker waiting for PostgreSQL or Temporal says so.
  let container: INestApplicationContext | null = null;
  let connection: NativeConnection | null = null;
  let worker: Worker | null = null;
  // A connection of its own: the activities' pool may be busy without PostgreSQL being down.
  const postgresProbe = createDatabaseProbe(env.DATABASE_URL);
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      void health(postgresProbe, connection, worker).then((body) => {
        res.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...body, taskQueue: env.TEMPORAL_TASK_QUEUE }));
      });
    } else if (req.url === '/metrics') {
      void Promise.all([registry.metrics(), coreMetrics(corePort)]).then(([own, core]) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(`${own}\n${core}`);
      });
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(env.WORKER_PORT, env.WORKER_HOST);

  // SIGTERM/SIGINT: stop polling, give running activities SHUTDOWN_GRACE to finish (the SDK then cancels them and
  // Temporal retries them elsewhere), then close connections. Before the worker runs, it ends the wait for
  // PostgreSQL or Temporal. A terminal's Ctrl-C reaches this process and `npm start` (which then sends SIGTERM):
  // shut down once.
  const stopping = new AbortController();
  const stop = () => {
    stopping.abort();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await waitForDatabase(env.DATABASE_URL, log, stopping.signal);
    container = await NestFactory.createApplicationContext(
      WorkerModule.forEnv(
        { ...env, DATABASE_URL: env.DATABASE_URL, SMTP_URL: env.SMTP_URL },
        workerBusinessMetrics(registry),
      ),
      { logger: nestLogger(logger) },
    );
    connection = await connectWithBackoff(
      'Temporal',
      () => NativeConnection.connect(temporalConnectionOptions(env, env.TEMPORAL_ADDRESS as string)),
      log,
      stopping.signal,
    );
    if (!stopping.signal.aborted) {
      worker = await createWorker({
        connection,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        dataConverter,
        container,
        metrics: workerTaskMetrics(registry),
        tuning: workerTuning(env),
        shutdownGraceTime: SHUTDOWN_GRACE,
        log,
      });
      // A signal that came while the worker was being built.
      await ensureSchedules(new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter }), {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        auditHeadEverySeconds: env.AUDIT_HEAD_KEY ? env.AUDIT_HEAD_EVERY_SECONDS : null,
        retentionCron: env.RETENTION_SCHEDULE === 'off' ? null : env.RETENTION_SCHEDULE,
        transparencyDb: !!env.TRANSPARENCY_DB_URL,
        legalMessagesEverySeconds: env.LEGAL_MESSAGES_EVERY_SECONDS,
      });
      if (stopping.signal.aborted) worker.shutdown();
      else log(`worker polling ${env.TEMPORAL_TASK_QUEUE}`);
      await worker.run();
    }
  } catch (err) {
    if (!stopping.signal.aborted) throw err;
  }
  log('worker stopped; closing connections');
  server.close();
  await postgresProbe.close();
  await connection?.close();
  await container?.close();
}

/** How long running activities get to finish after SIGTERM; below `npm start`'s 15 s before it sends SIGKILL. */
const SHUTDOWN_GRACE = '10 seconds';

type PartState = 'up' | 'down' | 'starting';

/** Each part the worker needs, checked now: PostgreSQL, Temporal (`starting` until first connected), the worker. */
async function health(
  postgresProbe: DatabaseProbe,
  connection: NativeConnection | null,
  worker: Worker | null,
): Promise<{ status: 'ok' | 'down'; postgres: PartState; temporal: PartState; worker: string }> {
  const within = <T>(p: Promise<T>) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
    ]);
  const [postgres, temporal] = await Promise.all([
    postgresProbe.ping(2000).then(
      () => 'up' as const,
      () => 'down' as const,
    ),
    connection
      ? // The deadline alone does not bound a call while the native connection is reconnecting.
        within(connection.withDeadline(Date.now() + 2000, () => connection.healthService.check({}))).then(
          () => 'up' as const,
          () => 'down' as const,
        )
      : ('starting' as const),
  ]);
  const state = worker?.getState() ?? 'STARTING';
  const ok = postgres === 'up' && temporal === 'up' && state === 'RUNNING';
  return { status: ok ? 'ok' : 'down', postgres, temporal, worker: state };
}

async function coreMetrics(port: number): Promise<string> {
  try {
    return await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })
    ).text();
  } catch {
    return '# SDK core metrics unavailable\n';
  }
}

// Exit once everything is closed: the SDK's native side keeps the process alive for the rest of the shutdown grace
// time even after the worker drained.
main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
