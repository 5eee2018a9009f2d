import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '@takedown/config';
import { startMailCapture } from '@takedown/mail';
import { runMigrations } from '@takedown/persistence';
import { startEmbeddedPostgres } from './postgres';
import { ensureTemporalBinary, startTemporalDevServer, type RunningTemporal } from './temporal';
import { ensureTemporalServerBinaries, startTemporalOnPostgres } from './temporal-server';

export interface StackOptions {
  /** Where PostgreSQL, Temporal's SQLite file, captured mail and logs live. */
  dataDir: string;
  databaseUrl?: string;
  temporalAddress?: string;
  /** How the local Temporal server keeps its state: the dev server's SQLite file, or the stack's PostgreSQL. */
  temporalPersistence?: 'sqlite' | 'postgres';
  smtpUrl?: string;
  ports: { postgres: number; temporal: number; temporalUi?: number; smtp: number };
  /** The codec server the local Temporal UI decodes payloads with. */
  temporalUiCodecEndpoint?: string;
  cacheDir?: string;
  log: (line: string) => void;
}

export interface RunningStack {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  /** The local Temporal server's process id (null when TEMPORAL_ADDRESS was given), for resource figures. */
  temporalPid: number | null;
  smtpUrl: string;
  mailCaptureDir: string | null;
  /** Stops what this stack started, in reverse order; parts given from outside are left alone. */
  stop(): Promise<void>;
}

/**
 * Brings up the servers Takedown needs, starting a local one for each part not given from outside: embedded
 * PostgreSQL (migrated to the latest schema), the Temporal dev server and an SMTP capture. `npm start` and the
 * integration tests share it, so the tests run against what users run.
 */
export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err: Error) => opts.log(`stop failed: ${err.message}`));
  };
  fs.mkdirSync(opts.dataDir, { recursive: true });
  try {
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl) {
      opts.log(`Starting embedded PostgreSQL (data in ${path.join(opts.dataDir, 'postgres')})`);
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(opts.dataDir, 'postgres'),
        port: opts.ports.postgres,
      });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    const applied = await runMigrations(databaseUrl);
    opts.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database schema is up to date');

    let temporalAddress = opts.temporalAddress;
    let temporalUiUrl: string | null = null;
    let temporalPid: number | null = null;
    if (!temporalAddress) {
      let temporal: RunningTemporal;
      if (opts.temporalPersistence === 'postgres') {
        const binaries = await ensureTemporalServerBinaries({ cacheDir: opts.cacheDir, log: opts.log });
        opts.log('Starting the Temporal server (PostgreSQL persistence)');
        const dir = path.join(opts.dataDir, 'temporal-postgres');
        fs.mkdirSync(dir, { recursive: true });
        temporal = await startTemporalOnPostgres({
          binaries,
          databaseUrl,
          dataDir: dir,
          port: opts.ports.temporal,
          logFile: path.join(dir, 'server.log'),
        });
      } else {
        const binary = await ensureTemporalBinary({ cacheDir: opts.cacheDir, log: opts.log });
        opts.log('Starting the Temporal dev server');
        temporal = await startTemporalDevServer({
          binary,
          dbFile: path.join(opts.dataDir, 'temporal', 'temporal.sqlite'),
          port: opts.ports.temporal,
          uiPort: opts.ports.temporalUi,
          uiCodecEndpoint: opts.temporalUiCodecEndpoint,
          logFile: path.join(opts.dataDir, 'temporal', 'server.log'),
        });
      }
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
      temporalPid = temporal.process.pid ?? null;
    }

    let smtpUrl = opts.smtpUrl;
    let mailCaptureDir: string | null = null;
    if (!smtpUrl) {
      mailCaptureDir = path.resolve(opts.dataDir, 'mail');
      const capture = await startMailCapture({ dir: mailCaptureDir, port: opts.ports.smtp });
      stops.push(capture.stop);
      smtpUrl = capture.url;
    }
    return {
      databaseUrl,
      temporalAddress,
      temporalUiUrl,
      temporalPid,
      smtpUrl,
      mailCaptureDir,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A stack started by startThrowawayStack, with the temporary folder it keeps its data in. */
export interface ThrowawayStack extends RunningStack {
  dataDir: string;
}

/**
 * A whole local stack of its own for one run (a benchmark, the fuzzer): in a new temporary folder named after
 * `prefix`, on free ports, so that it never meets `npm start` or another run. The caller removes the folder after
 * stop(), or keeps it to read the logs.
 */
export async function startThrowawayStack(opts: {
  prefix: string;
  temporalPersistence?: 'sqlite' | 'postgres';
  log: (line: string) => void;
}): Promise<ThrowawayStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${opts.prefix}-`));
  opts.log(`stack in ${dataDir}`);
  const stack = await startStack({
    dataDir,
    temporalPersistence: opts.temporalPersistence,
    ports: { postgres: await freePort(), temporal: await freePort(), smtp: await freePort() },
    log: opts.log,
  });
  return { ...stack, dataDir };
}
