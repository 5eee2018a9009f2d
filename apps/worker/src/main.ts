import 'reflect-metadata';
import * as http from 'node:http';
import { NestFactory } from '@nestjs/core';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { loadEnvOrExit } from '@takedown/config';
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
  Runtime.install({
    shutdownSignals: [],
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
      registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      });
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(env.WORKER_PORT, env.WORKER_HOST);

  // SIGTERM/SIGINT: stop polling, let running tasks finish, then close connections.
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await worker.run();
  server.close();
  await connection.close();
  await container.close();
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
