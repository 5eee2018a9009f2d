import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Client } from 'pg';
import { freeLowPort, freePort, waitForPort } from '@takedown/config';
import { cacheDir, run, which, type RunningTemporal } from './temporal';

/**
 * The Temporal server that the CLI v1.5.1 bundles in `start-dev` (its go.mod requires go.temporal.io/server
 * v1.29.1): the same server, built as a standalone binary so that it can keep its state in PostgreSQL.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/**
 * Finds `temporal-server` and `temporal-sql-tool` in the project's cache, else builds them from the Go module proxy
 * (`go install go.temporal.io/server/cmd/server` and `cmd/tools/sql`; several minutes the first time). The SQL
 * tool carries the server's schema files, so schema and server always match.
 */
export async function ensureTemporalServerBinaries(
  opts: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<TemporalServerBinaries> {
  const log = opts.log ?? (() => undefined);
  const dir = path.join(cacheDir(opts.cacheDir), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binaries = {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
  };
  if (fs.existsSync(binaries.server) && fs.existsSync(binaries.sqlTool)) return binaries;
  if (!which('go')) {
    throw new Error(
      'TEMPORAL_PERSISTENCE=postgres needs the Temporal server, and Go (1.23 or newer) is missing to build it. ' +
        'Install Go, use TEMPORAL_PERSISTENCE=sqlite, or set TEMPORAL_ADDRESS to a running Temporal server.',
    );
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // Built into a temporary folder and renamed, so two concurrent starts never see a half-written binary.
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), '.temporal-server-build-'));
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} with Go (first run only, takes several minutes)...`,
  );
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  still building the Temporal server (${Math.round((Date.now() - started) / 1000)} s)`),
    15000,
  );
  try {
    await run(
      'go',
      [
        'install',
        `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
        `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
      ],
      { env: { ...process.env, GOBIN: staging }, onLine: () => undefined },
    );
    fs.renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-server'));
    fs.renameSync(path.join(staging, 'sql'), path.join(staging, 'temporal-sql-tool'));
    fs.chmodSync(staging, 0o755); // mkdtemp made it private
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    clearInterval(ticker);
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`Temporal server built in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
  return binaries;
}

export interface TemporalOnPostgresOptions {
  binaries: TemporalServerBinaries;
  /** A PostgreSQL URL whose user may create databases (the embedded server's, or the one given). */
  databaseUrl: string;
  /** Names of Temporal's two databases on that server. */
  databases?: { main: string; visibility: string };
  /** Where the server's generated configuration lives. */
  dataDir: string;
  /** The frontend's gRPC port (what clients and workers connect to). */
  port: number;
  namespace?: string;
  /** History shards: fixed for the life of the databases; a handful suits one machine. */
  historyShards?: number;
  logFile?: string;
  log?: (line: string) => void;
}

/**
 * Starts the Temporal server with PostgreSQL persistence: creates its databases when missing, installs or upgrades
 * their schema with Temporal's own SQL tool, writes the server's configuration (all four services in one
 * process, on loopback), starts it and registers the namespace. Its state lives in PostgreSQL, so workflows and
 * timers survive a restart, and it takes concurrent writes that the dev server's single SQLite connection cannot.
 */
export async function startTemporalOnPostgres(opts: TemporalOnPostgresOptions): Promise<RunningTemporal> {
  const log = opts.log ?? (() => undefined);
  const dbs = opts.databases ?? { main: 'temporal', visibility: 'temporal_visibility' };
  const namespace = opts.namespace ?? 'default';
  const pg = new URL(opts.databaseUrl);
  const conn = {
    host: pg.hostname,
    port: Number(pg.port || 5432),
    user: decodeURIComponent(pg.username),
    password: decodeURIComponent(pg.password),
  };
  await createDatabases(opts.databaseUrl, [dbs.main, dbs.visibility]);
  for (const [db, schema] of [
    [dbs.main, 'postgresql/v12/temporal'],
    [dbs.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    const tool = (...args: string[]) =>
      run(
        opts.binaries.sqlTool,
        [
          '--plugin',
          'postgres12',
          '--ep',
          conn.host,
          '-p',
          String(conn.port),
          '-u',
          conn.user,
          '--pw',
          conn.password,
          '--db',
          db,
          ...args,
        ],
        { env: process.env, onLine: () => undefined },
      );
    // `setup-schema -v 0.0` on a versioned database would reset its version: only on a fresh one.
    if (!(await hasSchemaVersion(opts.databaseUrl, db))) await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '--schema-name', schema);
  }

  const configDir = path.join(path.resolve(opts.dataDir), 'config');
  fs.mkdirSync(configDir, { recursive: true });
  // The server stores membership ports in a `smallint` column: an ephemeral port above 32767 stops it at start-up,
  // so these come from the range below, whatever the machine's ephemeral range (freeLowPort).
  const ports = {
    frontend: opts.port,
    frontendMembership: await freeLowPort(),
    frontendHttp: await freePort(),
    history: await freePort(),
    historyMembership: await freeLowPort(),
    matching: await freePort(),
    matchingMembership: await freeLowPort(),
    worker: await freePort(),
    workerMembership: await freeLowPort(),
  };
  fs.writeFileSync(
    path.join(configDir, 'development.yaml'),
    serverConfig({ ...conn, dbs, ports, shards: opts.historyShards ?? 4, configDir }),
  );
  fs.writeFileSync(path.join(configDir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);

  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(
    opts.binaries.server,
    [
      '--root',
      path.resolve(opts.dataDir),
      '--config',
      'config',
      '--env',
      'development',
      '--allow-no-auth',
      'start',
    ],
    { stdio: ['ignore', out, out] },
  );
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );
  const address = `127.0.0.1:${opts.port}`;
  try {
    await Promise.race([
      (async () => {
        await waitForPort('127.0.0.1', opts.port, 120_000);
        await registerNamespace(address, namespace, 120_000);
      })(),
      exitedPromise.then(() => {
        throw new Error(
          `temporal-server exited during start-up${opts.logFile ? ` (see ${opts.logFile})` : ''}`,
        );
      }),
    ]);
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    throw err;
  }
  log(`Temporal server (PostgreSQL persistence) on ${address}`);
  return {
    address,
    uiUrl: null,
    process: child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

async function withClient<T>(url: string, database: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const u = new URL(url);
  u.pathname = `/${database}`;
  const client = new Client({ connectionString: u.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createDatabases(url: string, names: string[]): Promise<void> {
  const admin = new URL(url).pathname.slice(1) || 'postgres';
  await withClient(url, admin, async (c) => {
    for (const name of names) {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) continue;
      // Two starts racing each other: the loser finds it made already.
      await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err;
      });
    }
  });
}

async function hasSchemaVersion(url: string, database: string): Promise<boolean> {
  return withClient(url, database, async (c) => {
    const { rows } = await c.query<{ v: string | null }>(`SELECT to_regclass('schema_version')::text AS v`);
    return rows[0]?.v !== null;
  });
}

/** Registers the namespace (kept for a day after a workflow closes) and waits until the frontend serves it. */
async function registerNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    const connection = await Connection.connect({ address, connectTimeout: '2 seconds' }).catch(
      (err: unknown) => ((last = err), null),
    );
    if (connection) {
      try {
        await connection.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
          .catch((err: { code?: number }) => {
            if (err.code !== 6) throw err; // ALREADY_EXISTS
          });
        // The frontend learns of a new namespace on its next cache refresh (dynamic config: 1 s).
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (err) {
        last = err;
      } finally {
        await connection.close();
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Temporal namespace ${namespace} not ready: ${(last as Error | undefined)?.message}`);
}

function serverConfig(c: {
  host: string;
  port: number;
  user: string;
  password: string;
  dbs: { main: string; visibility: string };
  ports: Record<string, number>;
  shards: number;
  configDir: string;
}): string {
  const store = (db: string, conns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${JSON.stringify(db)}
        connectAddr: ${JSON.stringify(`${c.host}:${c.port}`)}
        connectProtocol: tcp
        user: ${JSON.stringify(c.user)}
        password: ${JSON.stringify(c.password)}
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  const p = c.ports;
  return `# Written by the Takedown dev stack at every start (apps/dev/src/temporal-server.ts).
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${c.shards}
  datastores:
    postgres-default:${store(c.dbs.main, 20)}
    postgres-visibility:${store(c.dbs.visibility, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:${service(p.frontend, p.frontendMembership, p.frontendHttp)}
  history:${service(p.history, p.historyMembership)}
  matching:${service(p.matching, p.matchingMembership)}
  worker:${service(p.worker, p.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${p.frontend}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(path.join(c.configDir, 'dynamicconfig.yaml'))}
  pollInterval: 10s
`;
}

/**
 * What the dev server sets too: a quick namespace refresh, and the APIs the SDK may use. And eager activities: the
 * server hands a workflow task's new activity back to its worker in the task's reply, not through the matching
 * service (a notice's time to its customer's email: `npm run bench:e2e`, docs/scaling.md).
 */
const DYNAMIC_CONFIG = `system.namespaceCacheRefreshInterval:
  - value: 1s
system.enableActivityEagerExecution:
  - value: true
limit.maxIDLength:
  - value: 255
frontend.enableExecuteMultiOperation:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
`;
