import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ensureTemporalBinary,
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningPostgres,
  type RunningTemporal,
} from '@takedown/dev';
import { startMailCapture, type HeldAnswer, type RunningCapture } from '@takedown/mail';
import { WORKFLOW_BUNDLE_ENV, bundleWorkflows } from '@takedown/worker/workflow-bundle';
import { runMigrations } from '@takedown/persistence';
import { cachedBuild } from '../support/build-cache';
import { compileForChildren } from '../support/child-build';

export const ROOT = path.resolve(__dirname, '..', '..');

export type App = 'api' | 'worker';

export interface Ports {
  postgres: number;
  temporal: number;
  smtp: number;
  api: number;
  worker: number;
}

/**
 * The real stack for the fault suite, every part of which can be stopped and started again on its own: embedded
 * PostgreSQL (same data folder and port), the Temporal dev server (same SQLite file and port), the SMTP capture (in
 * this process, with its fault mode) and the worker and the API as child processes of a build, as `npm start` runs
 * them. A SIGKILL reaches the process itself: there is no wrapper in between.
 */
export class FaultStack {
  readonly mailDir: string;
  readonly logDir: string;
  private postgres: RunningPostgres | null = null;
  private temporal: RunningTemporal | null = null;
  private temporalBinary = '';
  private capture: RunningCapture | null = null;
  private readonly children = new Map<App, ChildProcess>();
  /** Exits that nobody asked for: a crash of the API or the worker is a finding. */
  readonly unexpectedExits: string[] = [];
  private readonly expectedExit = new Set<ChildProcess>();

  private constructor(
    readonly dir: string,
    readonly ports: Ports,
    readonly childEnv: NodeJS.ProcessEnv,
    private readonly say: (line: string) => void,
  ) {
    this.mailDir = path.join(dir, 'mail');
    this.logDir = path.join(dir, 'logs');
    fs.mkdirSync(this.logDir, { recursive: true });
  }

  static async create(
    dir: string,
    env: Record<string, string>,
    say: (line: string) => void,
  ): Promise<FaultStack> {
    const ports: Ports = {
      postgres: await freePort(),
      temporal: await freePort(),
      smtp: await freePort(),
      api: await freePort(),
      worker: await freePort(),
    };
    const childEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      DATABASE_URL: `postgres://takedown:takedown@127.0.0.1:${ports.postgres}/takedown`,
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
      API_HOST: '127.0.0.1',
      API_PORT: String(ports.api),
      PUBLIC_BASE_URL: `http://127.0.0.1:${ports.api}`,
      WORKER_HOST: '127.0.0.1',
      WORKER_PORT: String(ports.worker),
      TAKEDOWN_DATA_DIR: dir,
    };
    return new FaultStack(dir, ports, childEnv, say);
  }

  get databaseUrl(): string {
    return this.childEnv.DATABASE_URL as string;
  }
  get temporalAddress(): string {
    return this.childEnv.TEMPORAL_ADDRESS as string;
  }
  get apiUrl(): string {
    return this.childEnv.PUBLIC_BASE_URL as string;
  }
  get workerUrl(): string {
    return `http://127.0.0.1:${this.ports.worker}`;
  }

  async startPostgres(): Promise<void> {
    this.postgres = await startEmbeddedPostgres({
      dataDir: path.join(this.dir, 'postgres'),
      port: this.ports.postgres,
    });
  }

  async stopPostgres(): Promise<void> {
    await this.postgres?.stop();
    this.postgres = null;
  }

  migrate(): Promise<string[]> {
    return runMigrations(this.databaseUrl);
  }

  async startTemporal(): Promise<void> {
    this.temporalBinary ||= await ensureTemporalBinary({ log: this.say });
    this.temporal = await startTemporalDevServer({
      binary: this.temporalBinary,
      dbFile: path.join(this.dir, 'temporal', 'temporal.sqlite'),
      port: this.ports.temporal,
      logFile: path.join(this.logDir, 'temporal.log'),
    });
  }

  async stopTemporal(): Promise<void> {
    await this.temporal?.stop();
    this.temporal = null;
  }

  async startCapture(): Promise<void> {
    this.capture = await startMailCapture({ dir: this.mailDir, port: this.ports.smtp });
  }

  refuseEveryOtherMail(on: boolean): void {
    this.capture?.refuseEveryOther(on);
  }

  /** The capture holds its `250` for the next message whose key matches (see `RunningCapture.holdNextAnswer`). */
  holdNextMailAnswer(
    timeoutMs: number,
    matches: (key: string | null) => boolean,
  ): Promise<HeldAnswer | null> {
    if (!this.capture) throw new Error('the SMTP capture is not running');
    return this.capture.holdNextAnswer(timeoutMs, matches);
  }

  /**
   * Compiles the project and bundles the workflows, as `npm run build` does for `npm start` but without type checking
   * (`npm run typecheck` does that) and away from the shared `dist/`; both are kept in .cache for the next run of the
   * same sources (`test/support/build-cache.ts`). Compiled and with the bundle made, the API and the worker start in
   * seconds, so a restart measures the system, not ts-node or webpack.
   */
  async build(): Promise<void> {
    const [build, bundle] = await Promise.all([
      cachedBuild('child-build', compileForChildren),
      cachedBuild('workflow-bundle', (into) => bundleWorkflows(path.join(into, 'workflow-bundle.js'))),
    ]);
    this.buildDir = build;
    this.childEnv[WORKFLOW_BUNDLE_ENV] = path.join(bundle, 'workflow-bundle.js');
  }

  private buildDir = '';

  /** Starts the API or the worker from the build, as `npm start` does; its output is appended to logs/<app>.log. */
  startApp(app: App): void {
    const out = fs.openSync(path.join(this.logDir, `${app}.log`), 'a');
    const child = spawn(process.execPath, [path.join(this.buildDir, 'dist', 'apps', app, 'src', 'main.js')], {
      cwd: this.dir,
      env: this.childEnv,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    child.once('exit', (code, signal) => {
      if (!this.expectedExit.delete(child)) this.unexpectedExits.push(`${app} exited (${signal ?? code})`);
      if (this.children.get(app) === child) this.children.delete(app);
    });
    this.children.set(app, child);
  }

  /** SIGKILL: no handler runs, nothing is flushed or closed. */
  async kill(app: App): Promise<void> {
    await this.signal(app, 'SIGKILL', 5_000);
  }

  /** SIGTERM, and the time the process took to shut down; it fails if the process needed more than `timeoutMs`. */
  async terminate(app: App, timeoutMs = 20_000): Promise<{ ms: number; code: number | null }> {
    const started = Date.now();
    const code = await this.signal(app, 'SIGTERM', timeoutMs);
    return { ms: Date.now() - started, code };
  }

  private signal(app: App, signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
    const child = this.children.get(app);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(null);
    this.expectedExit.add(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${app} did not exit within ${timeoutMs} ms of ${signal}`));
      }, timeoutMs);
      child.once('exit', (code) => (clearTimeout(timer), resolve(code)));
      child.kill(signal);
    });
  }

  /** Waits until the app's /health answers 200 (every part it needs is up). */
  async waitHealthy(app: App, timeoutMs = 180_000): Promise<number> {
    const url = `${app === 'api' ? this.apiUrl : this.workerUrl}/health`;
    const started = Date.now();
    for (;;) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
        if (res.ok) return Date.now() - started;
      } catch {
        // not listening yet
      }
      if (!this.children.has(app))
        throw new Error(`${app} exited while starting; see ${this.logDir}/${app}.log`);
      if (Date.now() - started > timeoutMs) throw new Error(`${app} not healthy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Everything this stack started, children first; safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.children.keys()].map((app) => this.terminate(app).catch(() => this.kill(app))),
    );
    await this.capture?.stop();
    this.capture = null;
    await this.stopTemporal().catch(() => undefined);
    await this.stopPostgres().catch(() => undefined);
  }

  /** Last resort when this process exits: no child may outlive it. */
  killChildrenNow(): void {
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    this.temporal?.process.kill('SIGKILL');
    try {
      const pid = Number(
        fs.readFileSync(path.join(this.dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
  }
}
