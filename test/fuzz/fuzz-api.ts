/**
 * `npm run fuzz:api`: schemathesis against the API's own OpenAPI document (`/docs-json`), with an admin token.
 *
 * Installs schemathesis (a pinned version, from PyPI with pip) once into a virtualenv under the cache folder
 * (`~/.cache/takedown/schemathesis-venv`, or `$TAKEDOWN_CACHE_DIR`), starts a throw-away local stack as `npm start`
 * does (embedded PostgreSQL, Temporal dev server, SMTP capture) on free loopback ports, the worker and the API
 * in-process, creates an admin token as `takedown token create` does, imports the sample inventory so that
 * customers and prefixes exist, and runs every phase (examples, coverage, fuzzing, stateful) with the checks below,
 * bounded per operation (FUZZ_MAX_EXAMPLES, default 50) and in time (FUZZ_MAX_TIME seconds, default 900); FUZZ_CHECKS
 * (comma-separated) replaces the checks. Prints a
 * summary and exits non-zero when a check failed. FUZZ_SEED makes a run repeatable; FUZZ_PYTHON picks the Python
 * that makes the virtualenv (default: python3.13 or python3.12 if on PATH, else python3). Everything it made is
 * removed.
 */
import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { NativeConnection } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { freePort, startStack, type RunningStack } from '@takedown/dev';
import { createApiToken, importInventory, inventoryCsvRecords } from '@takedown/persistence';
import { AppConfig } from '../../apps/api/src/app-config';
import { createApp } from '../../apps/api/src/create-app';
import { createWorker } from '../../apps/worker/src/create-worker';
import { WorkerModule } from '../../apps/worker/src/worker.module';

const SCHEMATHESIS_VERSION = '4.32.5';
/** FUZZ_CHECKS replaces the list, e.g. with `positive_data_acceptance` added (docs/fuzzing.md). */
const CHECKS = process.env.FUZZ_CHECKS?.split(',') ?? [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 50);
const MAX_TIME = Number(process.env.FUZZ_MAX_TIME ?? 900);
const ROOT = path.resolve(__dirname, '..', '..');
const say = (line: string) => process.stdout.write(`[fuzz] ${line}\n`);

async function main(): Promise<void> {
  const schemathesis = ensureSchemathesis();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-fuzz-'));
  const stops: (() => Promise<unknown>)[] = [];
  let exitCode = 1;
  try {
    const stack: RunningStack = await startStack({
      dataDir: dir,
      ports: { postgres: await freePort(), temporal: await freePort(), smtp: await freePort() },
      log: say,
    });
    stops.push(() => stack.stop());
    const env = loadEnv({
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      SMTP_URL: stack.smtpUrl,
      MAIL_CAPTURE_DIR: stack.mailCaptureDir ?? '',
      TAKEDOWN_DATA_DIR: dir,
      TEMPORAL_TASK_QUEUE: `fuzz-${randomUUID()}`,
      LINK_SIGNING_KEYS: `fuzz:${randomBytes(32).toString('hex')}`,
      POLICY_PROFILE: 'demo',
      // Unhandled errors are logged at error level: they are what a 500 leaves behind.
      LOG_LEVEL: 'error',
      // The fuzzer sends thousands of requests a minute with one token; 429 is tested in hardening.e2e.spec.ts.
      RATE_LIMIT_PER_MINUTE: '0',
      // Its auth checks send every operation without a token: 401s by the hundred from one address.
      AUTH_FAILURES_PER_MINUTE: '0',
    });
    const full = { ...env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress };

    const container = await NestFactory.createApplicationContext(
      WorkerModule.forEnv({ ...full, SMTP_URL: stack.smtpUrl }),
      { logger: false },
    );
    stops.push(() => container.close());
    const connection = await NativeConnection.connect({ address: stack.temporalAddress });
    stops.push(() => connection.close());
    const worker = await createWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      dataConverter: temporalDataConverter(env),
      container,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });

    const app = await createApp(new AppConfig(full));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    stops.push(() => app.close());
    const db = app.get(DataSource);
    const { token } = await createApiToken(db, { name: 'fuzz', role: 'admin', createdBy: 'cli:fuzz' });
    const inventory = await importInventory(
      db,
      inventoryCsvRecords(fs.readFileSync(path.join(ROOT, 'test/fixtures/samples/inventory.csv'), 'utf8')),
    );
    say(`API on http://127.0.0.1:${port}; sample inventory: ${inventory.created} rows created`);

    const report = path.join(ROOT, '.data', 'fuzz-api-junit.xml');
    fs.mkdirSync(path.dirname(report), { recursive: true });
    const args = [
      'run',
      `http://127.0.0.1:${port}/docs-json`,
      '--checks',
      CHECKS.join(','),
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--max-time',
      String(MAX_TIME),
      '--workers',
      '2',
      '--request-timeout',
      '30',
      '--header',
      `Authorization: Bearer ${token}`,
      '--report',
      'junit',
      '--report-junit-path',
      report,
      '--suppress-health-check',
      'all',
      // The event stream answers a valid request by staying open: every call would end as a timeout.
      '--exclude-path',
      '/v1/events',
      ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
    ];
    say(
      `schemathesis ${SCHEMATHESIS_VERSION}: checks ${CHECKS.join(', ')}; at most ${MAX_EXAMPLES} examples per operation, ${MAX_TIME} s`,
    );
    // In the throw-away folder: schemathesis and hypothesis keep caches (.hypothesis, .schemathesis) where they run.
    const { code, output } = await run(schemathesis, args, dir);
    exitCode = code;
    say(
      `summary: ${summarise(output)}; JUnit report in .data/fuzz-api-junit.xml; schemathesis exited ${code}`,
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => say(`stop: ${err.message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

/**
 * The schemathesis executable of the virtualenv, installed there first if it is missing, another version, or made
 * by another Python than the one chosen. Python 3.12 or newer is preferred: with 3.11, schemathesis' coverage phase
 * sometimes hits a CPython parser crash ("AST constructor recursion depth mismatch"), reported as a tool error.
 */
function ensureSchemathesis(): string {
  const cache = process.env.TAKEDOWN_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'takedown');
  const venv = path.join(cache, 'schemathesis-venv');
  const bin = path.join(venv, 'bin', 'schemathesis');
  const python = choosePython();
  const wanted = pythonVersion(python);
  const made = /^version\s*=\s*(\d+\.\d+)/m.exec(readOrEmpty(path.join(venv, 'pyvenv.cfg')))?.[1];
  const version = fs.existsSync(bin) ? spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (!version.includes(SCHEMATHESIS_VERSION) || made !== wanted) {
    say(`Installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv} (Python ${wanted})`);
    fs.mkdirSync(cache, { recursive: true });
    for (const [cmd, args] of [
      [python, ['-m', 'venv', '--clear', venv]],
      [path.join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]],
    ] as const) {
      const done = spawnSync(cmd, args, { stdio: 'inherit' });
      if (done.status !== 0)
        throw new Error(`${cmd} ${args.join(' ')} failed (${done.status ?? done.signal})`);
    }
  }
  if (Number(wanted.split('.')[1]) < 12) {
    say(
      `Python ${wanted}: schemathesis may report "Runtime Error"s of its own; FUZZ_PYTHON=<python 3.12+> avoids them`,
    );
  }
  return bin;
}

/** FUZZ_PYTHON, else the newest of python3.13, python3.12 on PATH that runs, else python3. */
function choosePython(): string {
  if (process.env.FUZZ_PYTHON) return process.env.FUZZ_PYTHON;
  return ['python3.13', 'python3.12'].find((p) => spawnSync(p, ['--version']).status === 0) ?? 'python3';
}

function pythonVersion(python: string): string {
  const out = spawnSync(python, ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")'], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`${python} does not run: ${out.stderr || out.error?.message}`);
  return out.stdout.trim();
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Runs a command, showing its output as it comes and keeping it for the summary. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

/** The figures of schemathesis' closing summary: test cases, failures by kind, the seed. */
function summarise(output: string): string {
  const cases = /Test cases:\s*\n\s*(.+)/.exec(output)?.[1]?.trim() ?? 'no test case count found';
  const failures = [...output.matchAll(/^\s*❌ (\w+ .+: \d+)$/gm)].map((m) => m[1]);
  const seed = /Seed: (\d+)/.exec(output)?.[1];
  return `${cases}; failures: ${failures.length ? failures.join(', ') : 'none'}${seed ? `; seed ${seed}` : ''}`;
}

main().catch((err) => {
  process.stderr.write(`fuzz:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
