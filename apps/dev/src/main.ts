import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import {
  EncryptionCodec,
  loadEnvOrExit,
  publicBaseUrl,
  redactPassword,
  removeLocalStack,
  resolvePayloadKeys,
  writeLocalStack,
  type Env,
} from '@takedown/config';
import { parseMailSources } from '@takedown/domain';
import { createBootstrapAdminToken, dataSourceOptions } from '@takedown/persistence';
import { createCodecServer } from '@takedown/worker/codec-server';
import { startStack, type RunningStack } from './stack';
import { supervise, waitHealthy, type Supervised } from './supervise';

/**
 * `npm start`: the whole system on one machine. Starts whatever is not given by DATABASE_URL, TEMPORAL_ADDRESS and
 * SMTP_URL, then the worker, the API and the mail intake as child processes, waits until they are healthy and
 * prints where everything is. A crashed child is restarted with backoff; Ctrl-C (or SIGTERM) stops it all,
 * children first, so no postgres or temporal process is left.
 */
const COMPILED = __filename.endsWith('.js');
const ROOT = path.resolve(__dirname, ...(COMPILED ? ['..', '..', '..', '..'] : ['..', '..', '..']));
const INBOUND_SMTP_DEFAULT_PORT = 2526;
/** Who may mail reports to a development stack when INBOUND_MAIL_SOURCES is unset: the senders of the samples. */
const DEV_MAIL_SOURCES =
  'provider|Mailbox Example|@mailbox.example;hotline|Example Hotline|ntd@hotline.example';
const say = (line: string) => process.stdout.write(`[takedown] ${line}\n`);

/** The codec server for the local Temporal UI; a port in use costs only the UI's view of payloads, so it warns. */
async function startCodecServer(env: Env, dataDir: string, uiOrigin: string): Promise<http.Server | null> {
  const server = createCodecServer(new EncryptionCodec(resolvePayloadKeys(env, dataDir)), { uiOrigin });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      say(
        `The codec server could not listen (${err.code ?? err.message}): the Temporal UI shows payloads encrypted`,
      );
      resolve(null);
    });
    server.listen(env.CODEC_SERVER_PORT, env.CODEC_SERVER_HOST, () => resolve(server));
  });
}
async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const dataDir = path.resolve(ROOT, env.TAKEDOWN_DATA_DIR);
  let stack: RunningStack | null = null;
  const children: Supervised[] = [];
  let stopping = false;
  let stackFileWritten = false;
  let codecServer: http.Server | null = null;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('Stopping...');
    if (stackFileWritten) removeLocalStack(env.TAKEDOWN_DATA_DIR);
    await Promise.all(children.map((c) => c.stop()));
    codecServer?.close();
    await stack?.stop();
    say('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Last resort if this process dies mid-stop: no child may outlive it.
  process.on('exit', () => children.forEach((c) => c.kill()));

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
      temporalUiCodecEndpoint: `http://${env.CODEC_SERVER_HOST}:${env.CODEC_SERVER_PORT}`,
      cacheDir: env.TAKEDOWN_CACHE_DIR,
      log: say,
    });
    if (stopping) return;
    // The local UI shows payloads through it; the key is the one the API and the worker generate in the data folder.
    if (stack.temporalUiUrl) codecServer = await startCodecServer(env, dataDir, stack.temporalUiUrl);
    const bootstrapToken = await bootstrapAdminToken(
      stack.databaseUrl,
      new Date(Date.now() + env.BOOTSTRAP_TOKEN_TTL),
    );
    const mailSources = env.INBOUND_MAIL_SOURCES || (env.NODE_ENV === 'development' ? DEV_MAIL_SOURCES : '');
    // What the stack chose for the API and the worker; the CLI takes the same from .data/stack.json.
    const stackEnv: Record<string, string> = {
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      SMTP_URL: stack.smtpUrl,
      ...(stack.mailCaptureDir ? { MAIL_CAPTURE_DIR: stack.mailCaptureDir } : {}),
      ...(mailSources !== env.INBOUND_MAIL_SOURCES ? { INBOUND_MAIL_SOURCES: mailSources } : {}),
    };
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...stackEnv,
      // The mail intake runs the inbound SMTP listener; on one machine it is on unless a port says otherwise.
      INBOUND_SMTP_PORT: String(env.INBOUND_SMTP_PORT ?? INBOUND_SMTP_DEFAULT_PORT),
    };
    const logDir = path.join(dataDir, 'logs');
    fs.mkdirSync(logDir, { recursive: true });
    const api = publicBaseUrl(env);
    const health = {
      worker: `http://${env.WORKER_HOST}:${env.WORKER_PORT}/health`,
      api: `${api}/health`,
      'mail-intake': `http://${env.MAIL_INTAKE_HOST}:${env.MAIL_INTAKE_PORT}/health`,
    };
    for (const app of ['worker', 'api', 'mail-intake'] as const) {
      children.push(
        supervise({
          name: app,
          // From the build, or from the sources when this file runs from them (tests), like the worker's bundle.
          args: COMPILED
            ? [path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js')]
            : [
                '-r',
                'ts-node/register/transpile-only',
                '-r',
                'tsconfig-paths/register',
                `apps/${app}/src/main.ts`,
              ],
          cwd: ROOT,
          env: childEnv,
          logFile: path.join(logDir, `${app}.log`),
          healthUrl: health[app],
          isStopping: () => stopping,
          say,
          giveUp: (why) => {
            say(`Stopping everything: ${why}`);
            void stop(1);
          },
        }),
      );
    }
    await waitHealthy(health.worker, 120_000);
    await waitHealthy(health.api, 120_000);
    await waitHealthy(health['mail-intake'], 120_000);
    const settingsFile = writeLocalStack(env.TAKEDOWN_DATA_DIR, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      apiUrl: api,
      env: stackEnv,
    });
    stackFileWritten = true;
    say('');
    say('Takedown is running.');
    say(`  Console         ${api}/console/   (sign in with an API token)`);
    say(`  API             ${api}`);
    say(`  Swagger UI      ${api}/docs   (OpenAPI JSON: ${api}/docs-json)`);
    say(`  Health          ${api}/health`);
    say(`  Metrics         ${api}/metrics   (worker: http://${env.WORKER_HOST}:${env.WORKER_PORT}/metrics)`);
    say(
      `  Temporal        ${stack.temporalAddress}${stack.temporalUiUrl ? `   UI: ${stack.temporalUiUrl}` : ''}`,
    );
    if (codecServer)
      say(
        `  Codec server    http://${env.CODEC_SERVER_HOST}:${env.CODEC_SERVER_PORT}   (decrypts payloads for the UI)`,
      );
    say(`  PostgreSQL      ${redactPassword(stack.databaseUrl)}`);
    if (stack.mailCaptureDir)
      say(`  Mail            ${api}/dev/mail/view   (files: ${stack.mailCaptureDir})`);
    say(
      `  Inbound mail    smtp://${env.INBOUND_SMTP_HOST}:${env.INBOUND_SMTP_PORT ?? INBOUND_SMTP_DEFAULT_PORT}   for ${env.INBOUND_MAIL_ADDRESSES.join(', ')}   (the mail-intake process: ${health['mail-intake']})`,
    );
    say(`  Mail senders    ${describeSenders(mailSources, env)}`);
    say(`  Policy profile  ${describeProfile(env)}`);
    say(`  Logs            ${logDir}`);
    say(`  CLI             npm run takedown -- --help   (connection settings: ${settingsFile})`);
    if (bootstrapToken) {
      say('');
      say('A first admin API token was made (the database had none). It is shown only this once: keep it.');
      say(`  ${bootstrapToken.token}`);
      say(
        `It expires ${bootstrapToken.expiresAt.toISOString()} (BOOTSTRAP_TOKEN_TTL); make personal tokens with it before then.`,
      );
      say(`Sign in to the console (${api}/console/) with it.`);
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
async function bootstrapAdminToken(
  databaseUrl: string,
  expiresAt: Date,
): Promise<{ token: string; expiresAt: Date } | null> {
  const db = await new DataSource(dataSourceOptions(databaseUrl, { logging: ['error'] })).initialize();
  try {
    const issued = await createBootstrapAdminToken(db, expiresAt);
    return issued && { token: issued.token, expiresAt };
  } finally {
    await db.destroy();
  }
}

/** Who may send reports to the SMTP listener and the mail pipe, as the start log says it. */
function describeSenders(spec: string, env: Env): string {
  const sources = parseMailSources(spec);
  if (typeof sources === 'string' || !sources.length)
    return 'none: every sender is refused (set INBOUND_MAIL_SOURCES)';
  const list = sources.map((s) => `${s.kind} "${s.name}" ${s.senders.join(' ')}`).join('; ');
  return spec === env.INBOUND_MAIL_SOURCES
    ? list
    : `${list}   (the samples' senders, a development default: set INBOUND_MAIL_SOURCES to choose)`;
}

function describeProfile(env: Env): string {
  return env.POLICY_PROFILE === 'demo'
    ? 'demo (the default policy in seconds instead of hours)'
    : 'default (deadlines in hours, per the sector codes; POLICY_PROFILE=demo runs them in seconds)';
}

void main();
