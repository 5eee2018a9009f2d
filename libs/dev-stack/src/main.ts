import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { loadEnvOrExit, publicBaseUrl } from '@takedown/config';
import { createBootstrapAdminToken, dataSourceOptions } from '@takedown/persistence';
import { startStack, type RunningStack } from './stack';

/**
 * `npm start`: the whole system on one machine. Starts whatever is not given by DATABASE_URL, TEMPORAL_ADDRESS and
 * SMTP_URL, then the worker and the API as child processes, waits until both are healthy and prints where
 * everything is. Ctrl-C (or SIGTERM) stops it all, children first, so no postgres or temporal process is left.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const INBOUND_SMTP_DEFAULT_PORT = 2526;
const say = (line: string) => process.stdout.write(`[takedown] ${line}\n`);

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const dataDir = path.resolve(ROOT, env.TAKEDOWN_DATA_DIR);
  let stack: RunningStack | null = null;
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('Stopping...');
    await Promise.all(children.map(stopChild));
    await stack?.stop();
    say('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Last resort if this process dies mid-stop: no child may outlive it.
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  try {
    stack = await startStack({
      dataDir,
      databaseUrl: env.DATABASE_URL,
      temporalAddress: env.TEMPORAL_ADDRESS,
      temporalPersistence: env.TEMPORAL_PERSISTENCE,
      smtpUrl: env.SMTP_URL,
      ports: {
        postgres: env.PG_PORT,
        temporal: env.TEMPORAL_PORT,
        temporalUi: env.TEMPORAL_UI_PORT,
        smtp: env.SMTP_CAPTURE_PORT,
      },
      cacheDir: env.TAKEDOWN_CACHE_DIR,
      log: say,
    });
    if (stopping) return;
    const bootstrapToken = await bootstrapAdminToken(stack.databaseUrl);
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      SMTP_URL: stack.smtpUrl,
      ...(stack.mailCaptureDir ? { MAIL_CAPTURE_DIR: stack.mailCaptureDir } : {}),
      // The API runs the inbound SMTP listener; on one machine it is on unless a port says otherwise.
      INBOUND_SMTP_PORT: String(env.INBOUND_SMTP_PORT ?? INBOUND_SMTP_DEFAULT_PORT),
    };
    const logDir = path.join(dataDir, 'logs');
    fs.mkdirSync(logDir, { recursive: true });
    for (const app of ['worker', 'api'] as const) {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
        env: childEnv,
        stdio: ['ignore', fs.openSync(path.join(logDir, `${app}.log`), 'a'), 'pipe'],
      });
      child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${app}] ${chunk}`));
      child.once('exit', (code, signal) => {
        if (!stopping) {
          say(`The ${app} exited (${signal ?? code}); see ${path.join(logDir, `${app}.log`)}`);
          void stop(1);
        }
      });
      children.push(child);
    }
    const api = publicBaseUrl(env);
    await waitHealthy(`http://${env.WORKER_HOST}:${env.WORKER_PORT}/health`, 120_000);
    await waitHealthy(`${api}/health`, 120_000);
    say('');
    say('Takedown is running.');
    say(`  API             ${api}`);
    say(`  Swagger UI      ${api}/docs   (OpenAPI JSON: ${api}/docs-json)`);
    say(`  Health          ${api}/health`);
    say(`  Metrics         ${api}/metrics   (worker: http://${env.WORKER_HOST}:${env.WORKER_PORT}/metrics)`);
    say(
      `  Temporal        ${stack.temporalAddress}${stack.temporalUiUrl ? `   UI: ${stack.temporalUiUrl}` : ''}`,
    );
    say(`  PostgreSQL      ${redactPassword(stack.databaseUrl)}`);
    if (stack.mailCaptureDir)
      say(`  Mail            ${api}/dev/mail/view   (files: ${stack.mailCaptureDir})`);
    say(
      `  Inbound mail    smtp://${env.INBOUND_SMTP_HOST}:${env.INBOUND_SMTP_PORT ?? INBOUND_SMTP_DEFAULT_PORT}   (for ${env.INBOUND_MAIL_ADDRESSES.join(', ')})`,
    );
    say(`  Logs            ${logDir}`);
    if (bootstrapToken) {
      say('');
      say('A first admin API token was made (the database had none). It is shown only this once: keep it.');
      say(`  ${bootstrapToken}`);
      say(
        `In Swagger UI (${api}/docs) click "Authorize" and paste it; with curl: -H "Authorization: Bearer <token>".`,
      );
      say(
        'More tokens, for people and integrations: npm run takedown -- token create --role ROLE --name NAME',
      );
    }
    say('Press Ctrl-C to stop.');
  } catch (err) {
    process.stderr.write(`[takedown] ${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
  }
}

/** An empty database gets one admin token, so that a new installation can be tried from Swagger UI at once. */
async function bootstrapAdminToken(databaseUrl: string): Promise<string | null> {
  const db = await new DataSource(dataSourceOptions(databaseUrl, { logging: ['error'] })).initialize();
  try {
    return (await createBootstrapAdminToken(db))?.token ?? null;
  } finally {
    await db.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not become healthy within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const redactPassword = (url: string) => url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');

void main();
