import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cachedBuild, sourceDigest, type BuildInputs } from './build-cache';

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the API finds the console (apps/api/src/console/serve-console.ts), as after `npm run build`. */
const SERVED = path.join(ROOT, 'dist', 'console');
/** Written into a placed build: the digest of the sources it was made from. */
const MARK = '.sources';

/** The console's own sources and what its build reads beside them. */
const CONSOLE_INPUTS: BuildInputs = {
  dirs: [path.join('apps', 'console'), 'libs'],
  skip: [],
  files: ['package-lock.json', 'tsconfig.json'],
};

/**
 * The web console as `npm run build` builds it (production React), made once for the current sources and kept in
 * .cache for later runs: both test lanes and the bundle-size test use the same build.
 */
export function consoleBuild(): Promise<string> {
  return cachedBuild(
    'console',
    (into) =>
      promisify(execFile)(
        path.join(ROOT, 'node_modules', '.bin', 'vite'),
        [
          'build',
          '--config',
          'apps/console/vite.config.ts',
          '--outDir',
          into,
          '--emptyOutDir',
          '--logLevel',
          'warn',
        ],
        // jest sets NODE_ENV=test, with which Vite would bundle React's development build.
        { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } },
      ).then(() => undefined),
    CONSOLE_INPUTS,
  );
}

/**
 * Puts the console build of the current sources where the API serves it, unless it is there already. The copy is
 * made beside the served folder and renamed into place, so that a lane never serves half a build; when both lanes
 * place the same build at once, the second finds the first's in place and keeps it.
 */
export async function buildConsoleOnce(): Promise<void> {
  const digest = sourceDigest(CONSOLE_INPUTS);
  if (placedDigest() === digest) return;
  const build = await consoleBuild();
  // A clean checkout has no dist/ until a build or `npm start` makes it: CI runs the tests on one.
  fs.mkdirSync(path.dirname(SERVED), { recursive: true });
  const copy = fs.mkdtempSync(`${SERVED}.tmp-`);
  const old = `${copy}.old`;
  try {
    fs.cpSync(build, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, MARK), digest);
    fs.chmodSync(copy, 0o755); // mkdtemp makes it 0700; the served folder should look like any other
    if (fs.existsSync(SERVED)) fs.renameSync(SERVED, old);
    fs.renameSync(copy, SERVED);
  } catch (error) {
    if (placedDigest() !== digest) throw error;
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
  }
}

function placedDigest(): string | undefined {
  try {
    return fs.readFileSync(path.join(SERVED, MARK), 'utf8');
  } catch {
    return undefined;
  }
}
