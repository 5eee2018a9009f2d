import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** A part that exits this often within CRASH_WINDOW_MS keeps crashing: restarting it again would not help. */
export const MAX_CRASHES = 5;
export const CRASH_WINDOW_MS = 5 * 60_000;
/** sysexits' EX_CONFIG: the part refused its configuration, which no restart changes. */
const EXIT_CONFIG = 78;

export interface Supervised {
  /** SIGTERM, then SIGKILL after 15 s; no restart after it. */
  stop(): Promise<void>;
  /** SIGKILL at once, for a stack that is dying itself. */
  kill(): void;
  /** The running process's id. */
  pid(): number | undefined;
}

/**
 * Runs one part of the dev stack (the worker, the API) as `node ARGS` and restarts it when it exits unasked, after
 * 1, 2, 4 … 30 s (`firstDelayMs` doubled). A part that exits MAX_CRASHES times within CRASH_WINDOW_MS, or that
 * refuses its configuration (exit 78), keeps crashing: then `giveUp` is told which part and why, and it is not
 * started again.
 */
export function supervise(opts: {
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  healthUrl: string;
  isStopping: () => boolean;
  say: (line: string) => void;
  giveUp: (why: string) => void;
  firstDelayMs?: number;
}): Supervised {
  const { name, say } = opts;
  const firstDelay = opts.firstDelayMs ?? 1000;
  const crashes: number[] = [];
  let child: ChildProcess;
  let restartTimer: NodeJS.Timeout | null = null;
  const launch = () => {
    child = spawn(process.execPath, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', fs.openSync(opts.logFile, 'a'), 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
    child.once('exit', (code, signal) => onExit(code, signal));
  };
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    if (opts.isStopping()) return;
    const how = signal ?? `exit code ${code}`;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length && crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
    if (code === EXIT_CONFIG) {
      opts.giveUp(
        `the ${name} refused its configuration (${how}; see ${opts.logFile}); a restart cannot help.`,
      );
      return;
    }
    if (crashes.length >= MAX_CRASHES) {
      opts.giveUp(
        `the ${name} keeps crashing: ${crashes.length} exits within ${CRASH_WINDOW_MS / 60_000} minutes, the last ` +
          `${how} (see ${opts.logFile}).`,
      );
      return;
    }
    const delay = Math.min(firstDelay * 2 ** (crashes.length - 1), 30_000);
    say(
      `The ${name} exited (${how}); restarting it in ${delay / 1000} s (${crashes.length} of ${MAX_CRASHES} exits ` +
        `within ${CRASH_WINDOW_MS / 60_000} minutes stop the stack; see ${opts.logFile}).`,
    );
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (opts.isStopping()) return;
      const restarted = Date.now();
      launch();
      const pid = child.pid;
      say(`The ${name} was restarted (pid ${pid}).`);
      void waitHealthy(opts.healthUrl, 120_000, () => child.pid !== pid || opts.isStopping()).then(
        (healthy) => {
          if (healthy)
            say(
              `The ${name} is back: healthy ${((Date.now() - restarted) / 1000).toFixed(1)} s after its restart.`,
            );
        },
        () => undefined,
      );
    }, delay);
  };
  launch();
  return {
    stop: () => {
      if (restartTimer) clearTimeout(restartTimer);
      return stopChild(child);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    pid: () => child.pid,
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

/** Resolves true once `url` answers 2xx, false if `abandon` says to stop waiting; rejects after `timeoutMs`. */
export async function waitHealthy(url: string, timeoutMs: number, abandon = () => false): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (abandon()) return false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not become healthy within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
