import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `npm start` writes how to reach the stack it runs into `<TAKEDOWN_DATA_DIR>/stack.json` (owner-only: it holds the
 * database password); the CLI reads it for whatever the environment leaves unset, so that
 * `npm run takedown -- …` works next to a started stack without copying a URL out of the (masked) start log.
 */
export interface LocalStackSettings {
  /** The process of `npm start`: settings of a stack that is gone are not used. */
  pid: number;
  startedAt: string;
  apiUrl: string;
  /** The variables the stack gave the API and the worker that the operator had not set. */
  env: Record<string, string>;
}

/** The repository's root (the folder of Takedown's package.json), from sources or from the build alike. */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (
      fs.existsSync(pkg) &&
      (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'takedown'
    )
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Takedown package.json above ${from}`);
  }
}

export function localStackFile(dataDir: string): string {
  // An absolute folder needs no project root (a build outside the repository has none above it).
  return path.join(path.isAbsolute(dataDir) ? dataDir : path.resolve(projectRoot(), dataDir), 'stack.json');
}

export function writeLocalStack(dataDir: string, settings: LocalStackSettings): string {
  const file = localStackFile(dataDir);
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  // The mode of a created file is masked by the umask; this makes it 0600 whatever the umask.
  fs.chmodSync(staging, 0o600);
  fs.renameSync(staging, file);
  return file;
}

/** Removes the file if it is this process's (a second `npm start` that failed must not remove the first's). */
export function removeLocalStack(dataDir: string): void {
  const file = localStackFile(dataDir);
  const current = readFile(file);
  if (current?.pid === process.pid) fs.rmSync(file, { force: true });
}

export type LocalStackLookup =
  | { found: 'none' }
  | { found: 'stopped'; file: string; pid: number }
  | { found: 'running'; file: string; settings: LocalStackSettings };

export function findLocalStack(dataDir: string): LocalStackLookup {
  const file = localStackFile(dataDir);
  const settings = readFile(file);
  if (!settings) return { found: 'none' };
  return isAlive(settings.pid)
    ? { found: 'running', file, settings }
    : { found: 'stopped', file, pid: settings.pid };
}

/**
 * The environment with the variables it leaves unset filled in from a running local stack, and a line saying
 * which stack that is (null when nothing was taken from it).
 */
export function withLocalStack(source: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; note: string | null } {
  const dataDir = source.TAKEDOWN_DATA_DIR?.trim() || '.data';
  const missing = (name: string) => !source[name]?.trim();
  if (!['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'].some(missing)) return { env: source, note: null };
  const stack = findLocalStack(dataDir);
  if (stack.found === 'none') return { env: source, note: null };
  if (stack.found === 'stopped') {
    return {
      env: source,
      note: `the local stack of ${stack.file} (npm start, pid ${stack.pid}) is not running: start it or set DATABASE_URL`,
    };
  }
  const taken = Object.entries(stack.settings.env).filter(([name]) => missing(name));
  if (!taken.length) return { env: source, note: null };
  const env = { ...source, ...Object.fromEntries(taken) };
  const parts = [
    env.DATABASE_URL && `PostgreSQL ${redactPassword(env.DATABASE_URL)}`,
    env.TEMPORAL_ADDRESS && `Temporal ${env.TEMPORAL_ADDRESS}`,
  ].filter(Boolean);
  return {
    env,
    note:
      `using the local stack of npm start (pid ${stack.settings.pid}, ${stack.file}): ${parts.join(', ')}; ` +
      `set ${taken.map(([name]) => name).join(', ')} to use another`,
  };
}

export const redactPassword = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@');

function readFile(file: string): LocalStackSettings | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalStackSettings>;
    return typeof parsed.pid === 'number' && parsed.env && typeof parsed.env === 'object'
      ? (parsed as LocalStackSettings)
      : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
