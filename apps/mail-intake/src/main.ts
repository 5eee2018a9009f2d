import 'reflect-metadata';
import * as http from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { loadEnvOrExit } from '@takedown/config';
import { nestLogger, processLogger } from '@takedown/observability';
import { createDatabaseProbe, waitForDatabase } from '@takedown/persistence';
import { AppConfig } from '@takedown/api/app-config';
import { InboundSmtpListener } from './inbound-smtp';
import { createMailIntake } from './mail-intake.module';

/**
 * The mail intake: the inbound SMTP listener in a process of its own, so that a flood of connections or of bytes
 * costs this process and never the API's event loop. It writes through the same intake as the API (database,
 * Temporal). /health on MAIL_INTAKE_PORT says whether the listener is up and PostgreSQL answers.
 */
async function main(): Promise<void> {
  const env = loadEnvOrExit();
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS || env.INBOUND_SMTP_PORT === undefined) {
    process.stderr.write(
      'The mail intake needs DATABASE_URL, TEMPORAL_ADDRESS and INBOUND_SMTP_PORT (npm start sets them).\n',
    );
    process.exit(78);
  }
  const logger = processLogger('mail-intake', env.LOG_LEVEL);
  const probe = createDatabaseProbe(env.DATABASE_URL);
  let app: INestApplicationContext | null = null;
  const server = http.createServer((req, res) => {
    if (req.url !== '/health') return void res.writeHead(404).end();
    const smtp = app?.get(InboundSmtpListener).port != null ? 'up' : 'starting';
    void probe
      .ping(2000)
      .then(
        () => 'up' as const,
        () => 'down' as const,
      )
      .then((postgres) => {
        const status = smtp === 'up' && postgres === 'up' ? 'ok' : 'down';
        res.writeHead(status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status, smtp, postgres }));
      });
  });
  server.listen(env.MAIL_INTAKE_PORT, env.MAIL_INTAKE_HOST);

  // SIGTERM/SIGINT: stop taking connections, let messages in intake finish (the listener cuts the rest), then close
  // the database pool and the Temporal connection. Before the application exists, it ends the wait for PostgreSQL.
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const stop = () => (stopping.abort(), resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  try {
    await waitForDatabase(env.DATABASE_URL, (msg) => logger.info(msg), stopping.signal);
    if (!stopping.signal.aborted)
      app = await createMailIntake(
        new AppConfig({ ...env, DATABASE_URL: env.DATABASE_URL, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS }),
        nestLogger(logger),
      );
  } catch (err) {
    if (!stopping.signal.aborted) throw err;
  }
  await stopped;
  logger.info('mail intake stopping');
  server.close();
  await app?.close();
  await probe.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`mail intake failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
