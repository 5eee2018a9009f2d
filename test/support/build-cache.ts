import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(ROOT, '.cache', 'test-builds');
/** Builds of other sources are dropped beyond these many (each is a few MB)… */
const KEEP = 3;
/**
 * …once no run can still be using them: a run's lanes take their builds when they start (a lane's child processes and
 * workers read them until it ends), and a source saved meanwhile makes the next build, in another lane or a file run
 * beside (`npx jest FILE`), whose pruning removed the running lanes' workflow bundle (ENOENT in every later file). A
 * build is marked used whenever it is taken; a cold run takes well under this.
 */
const IN_USE_MS = 2 * 3_600_000;

/** What a build depends on: folders walked for sources, folders skipped on the way, and single files. */
export interface BuildInputs {
  dirs: string[];
  skip: string[];
  files: string[];
}

/**
 * The server side: the project's TypeScript outside the console, the benches, their configs and the installed
 * packages.
 */
export const SERVER_INPUTS: BuildInputs = {
  dirs: ['apps', 'libs', 'workflows', 'bench'],
  skip: [path.join('apps', 'console')],
  files: [
    'tsconfig.json',
    'tsconfig.build.json',
    'package-lock.json',
    'test/support/stack-probe.ts',
    // bench:intake's DKIM signer.
    'test/support/dkim.ts',
  ],
};

/** A digest of every input file's path and content: a changed, added or removed file gives another build. */
export function sourceDigest(inputs: BuildInputs = SERVER_INPUTS): string {
  const hash = createHash('sha256');
  const files: string[] = [...inputs.files];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !inputs.skip.includes(rel)) walk(rel);
      } else if (/\.(ts|tsx|js|mjs|json|css|html|svg)$/.test(entry.name)) files.push(rel);
    }
  };
  inputs.dirs.forEach(walk);
  for (const file of files.sort()) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The folder holding `make`'s output for the current sources, made once and kept in .cache for later runs (a warm
 * `npm test` skips webpack and tsc). One process makes it while the others that need it wait: `npm test`'s five lanes
 * start together, and after a source changed each of them compiled the project and bundled the workflows (five tsc
 * runs and five webpack runs, one kept). Made in a folder of its own and renamed into place, so that nobody sees half a
 * build.
 */
export async function cachedBuild(
  name: string,
  make: (dir: string) => Promise<void>,
  inputs: BuildInputs = SERVER_INPUTS,
  cache = CACHE,
): Promise<string> {
  const final = path.join(cache, `${name}-${sourceDigest(inputs)}`);
  fs.mkdirSync(cache, { recursive: true });
  for (;;) {
    if (fs.existsSync(final)) {
      const now = new Date();
      fs.utimesSync(final, now, now);
      return final;
    }
    const lock = `${final}.lock`;
    if (takeLock(lock)) {
      try {
        if (fs.existsSync(final)) continue;
        const scratch = fs.mkdtempSync(`${final}.tmp-`);
        try {
          await make(scratch);
          fs.renameSync(scratch, final);
        } catch (error) {
          fs.rmSync(scratch, { recursive: true, force: true });
          // Two that took over a dead holder's lock at once: the slower one's copy is thrown away.
          if (!fs.existsSync(final)) throw error;
        }
        prune(name, cache);
        return final;
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    }
    // Another process is making it: its build appears, or its lock goes (it failed, or died) and one of us tries.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A lock without its holder's pid after this long was left by a process killed while taking it. */
const UNNAMED_LOCK_MS = 30_000;

/**
 * Takes the lock folder (mkdir is atomic), or takes it over from a process that is gone (killed mid-build); false
 * while a live process holds it.
 */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (held(lock)) return false;
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return false;
}

function held(lock: string): boolean {
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // No pid file yet: read below as no pid.
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    // Being taken this moment (its pid not written yet), or left between the two steps of taking it.
    try {
      return fs.statSync(lock).mtimeMs > Date.now() - UNNAMED_LOCK_MS;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Keeps the newest builds of `name` and any taken within IN_USE_MS, and drops scratch folders a killed run left (older
 * than an hour). Exported for its test, which hands it a folder of its own.
 */
export function prune(name: string, cache = CACHE, now = Date.now()): void {
  const entries = fs
    .readdirSync(cache)
    .filter((entry) => entry.startsWith(`${name}-`))
    .map((entry) => ({
      entry,
      dir: path.join(cache, entry),
      at: fs.statSync(path.join(cache, entry)).mtimeMs,
    }));
  const builds = entries
    .filter((e) => !e.entry.includes('.tmp-') && !e.entry.endsWith('.lock'))
    .sort((a, b) => b.at - a.at);
  const unused = builds.slice(KEEP).filter((e) => e.at < now - IN_USE_MS);
  const abandoned = entries.filter((e) => e.entry.includes('.tmp-') && e.at < now - 3_600_000);
  for (const old of [...unused, ...abandoned]) fs.rmSync(old.dir, { recursive: true, force: true });
}
