import 'reflect-metadata';
import * as http from 'node:http';
import { NestFactory } from '@nestjs/core';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { loadEnvOrExit } from '@takedown/config';
import { freePort } from '@takedown/dev-stack';
import { createRegistry, workerTaskMetrics } from '@takedown/observability';
import { createWorker } from './create-worker';
import { connectWithBackoff } from './connect';
import { WorkerModule } from './worker.module';

const SDK_LEVELS: Record<string, LogLevel> = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
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
  // Shutdown on signals is ours (below), so the HTTP server and DI container close in order too. The SDK's own
  // log lines become JSON on stdout, like the rest of the worker's logs.
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
    },
    logger: new DefaultLogger(SDK_LEVELS[env.LOG_LEVEL], ({ level, message, meta, timestampNanos }) =>
      process.stdout.write(
        `${JSON.stringify({ level: level.toLowerCase(), time: Number(timestampNanos / 1_000_000n), msg: message, ...meta })}\n`,
      ),
    ),
  });
  const registry = createRegistry('worker');
  const container = await NestFactory.createApplicationContext(
    WorkerModule.forEnv({ ...env, DATABASE_URL: env.DATABASE_URL, SMTP_URL: env.SMTP_URL }),
    { logger: ['error', 'warn', 'log'] },
  );
  const connection = await connectWithBackoff(() =>
    NativeConnection.connect({ address: env.TEMPORAL_ADDRESS }),
  );
  const worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    container,
    metrics: workerTaskMetrics(registry),
  });

  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      const state = worker.getState();
      res.writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: state === 'RUNNING' ? 'ok' : 'down',
          worker: state,
          taskQueue: env.TEMPORAL_TASK_QUEUE,
        }),
      );
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

  // SIGTERM/SIGINT: stop polling, let running tasks finish, then close connections.
  // A terminal's Ctrl-C reaches this process and `npm start` (which then sends SIGTERM): shut down once.
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await worker.run();
  server.close();
  await connection.close();
  await container.close();
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

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
