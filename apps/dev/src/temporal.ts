import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitForPort } from '@takedown/config';

/** The CLI version whose `go install` works from the Go module proxy (later tags carry a `replace` directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function cacheDir(explicit?: string): string {
  return path.resolve(
    explicit ??
      process.env.TAKEDOWN_CACHE_DIR ??
      path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'takedown'),
  );
}

/**
 * Finds the `temporal` CLI: on PATH, then in the project's cache, else builds it from the Go module proxy into the
 * cache (a few minutes the first time). Without Go it stops with what to install or which address to set instead.
 */
export async function ensureTemporalBinary(
  opts: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const onPath = which('temporal');
  if (onPath) return onPath;
  const bin = path.join(cacheDir(opts.cacheDir), `temporal-cli-${TEMPORAL_CLI_VERSION}`);
  const exe = path.join(bin, 'temporal');
  if (fs.existsSync(exe)) return exe;
  if (!which('go')) {
    throw new Error(
      'The Temporal CLI is not installed and Go is missing to build it. Install Go (1.23 or newer) and run again, ' +
        'put a `temporal` binary on PATH, or set TEMPORAL_ADDRESS to a running Temporal server (host:port).',
    );
  }
  // Build into a temporary folder and rename, so two concurrent starts never see a half-written binary.
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(bin), '.temporal-build-'));
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only, takes a few minutes)...`);
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`),
    15000,
  );
  try {
    await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: staging },
      onLine: (line) => {
        const m = /go: downloading (\S+) (\S+)/.exec(line);
        if (m) log(`  downloading ${m[1]} ${m[2]}`);
      },
    });
  } finally {
    clearInterval(ticker);
  }
  fs.mkdirSync(bin, { recursive: true });
  fs.renameSync(path.join(staging, 'temporal'), exe);
  fs.rmSync(staging, { recursive: true, force: true });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${exe}`);
  return exe;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with its state in a SQLite file, so workflows and timers survive a restart.
 * It stays in the caller's process group, so a Ctrl-C in the terminal reaches it even if the caller dies first;
 * `stop()` sends SIGTERM, then SIGKILL after 10 s.
 */
export async function startTemporalDevServer(opts: {
  binary: string;
  dbFile: string;
  port: number;
  uiPort?: number;
  /** Where the UI's page asks to decode payloads (the codec server). */
  uiCodecEndpoint?: string;
  logFile?: string;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  fs.mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--db-filename',
    path.resolve(opts.dbFile),
    '--log-level',
    'warn',
  ];
  if (opts.uiPort) {
    args.push('--ui-ip', '127.0.0.1', '--ui-port', String(opts.uiPort));
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  } else args.push('--headless');
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(opts.binary, args, { stdio: ['ignore', out, out] });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );
  try {
    await Promise.race([
      waitForPort('127.0.0.1', opts.port, 60_000),
      exitedPromise.then(() => {
        throw new Error(
          `temporal server exited during start-up${opts.logFile ? ` (see ${opts.logFile})` : ''}`,
        );
      }),
    ]);
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    throw err;
  }
  opts.log?.(`Temporal dev server on 127.0.0.1:${opts.port}`);
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    process: child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const found = r.status === 0 ? r.stdout.trim() : '';
  return found || null;
}

export function run(
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; onLine: (line: string) => void },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      text.split('\n').forEach((l) => l && opts.onLine(l));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${tail}`)),
    );
  });
}
