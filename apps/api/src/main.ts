import 'reflect-metadata';
import { loadEnvOrExit } from '@takedown/config';
import { waitForDatabase } from '@takedown/persistence';
import { AppConfig } from './app-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS) {
    process.stderr.write('The API needs DATABASE_URL and TEMPORAL_ADDRESS (npm start sets them).\n');
    process.exit(78);
  }
  // Started before its database (or during a restart of it), the API waits with backoff instead of crashing. Temporal
  // is not waited for: its connection is lazy, /health says it is down and requests that need it get 503.
  const waiting = new AbortController();
  const stopWaiting = () => waiting.abort();
  process.once('SIGTERM', stopWaiting);
  process.once('SIGINT', stopWaiting);
  try {
    await waitForDatabase(env.DATABASE_URL, log, waiting.signal);
  } catch (err) {
    if (waiting.signal.aborted) process.exit(0);
    throw err;
  }
  process.removeListener('SIGTERM', stopWaiting);
  process.removeListener('SIGINT', stopWaiting);
  // From here SIGTERM is Nest's (enableShutdownHooks): the server stops accepting connections, requests in flight
  // finish, then the database pool and the Temporal connection close.
  const app = await createApp(
    new AppConfig({ ...env, DATABASE_URL: env.DATABASE_URL, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS }),
  );
  await app.listen(env.API_PORT, env.API_HOST);
}

/** A JSON line like the application log's (pino's shape), for the time before the application exists. */
function log(msg: string): void {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`);
}

main().catch((err) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
