import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { freePort } from '@takedown/dev';
import { nodeArgs } from './child-build';

export interface AppProcess {
  pid: number;
  /** The process's /health. */
  healthUrl: string;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * One application (`api`, `mail-intake`) as its own process, from the run's build (global setup compiles it), with
 * the test stack's connection settings and `env`. Resolves once its /health answers 200, with the port it serves
 * /health on: API_PORT for the API, MAIL_INTAKE_PORT for the mail intake.
 */
export async function startAppProcess(
  app: 'api' | 'mail-intake',
  env: Record<string, string>,
): Promise<AppProcess> {
  const healthPortName = app === 'api' ? 'API_PORT' : 'MAIL_INTAKE_PORT';
  const healthPort = env[healthPortName] ?? String(await freePort());
  const child = spawn(process.execPath, nodeArgs(`apps/${app}/src/main.ts`), {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      AUTH_FAILURES_PER_MINUTE: '1000000',
      ...env,
      [healthPortName]: healthPort,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const healthUrl = `http://127.0.0.1:${healthPort}/health`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${app} process exited (${child.exitCode}):\n${output}`);
    const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    if (res?.ok) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`the ${app} process did not become healthy within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid!, healthUrl, output: () => output, stop };
}

/** The mail-intake process with its SMTP listener on a port of its own (`smtpPort`). */
export async function startMailIntake(
  env: Record<string, string>,
): Promise<AppProcess & { smtpPort: number }> {
  const smtpPort = await freePort();
  const intake = await startAppProcess('mail-intake', { ...env, INBOUND_SMTP_PORT: String(smtpPort) });
  return { ...intake, smtpPort };
}

/** A process's resident memory now, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}
