import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Builds the web console into dist/console as `npm run build` does (production React), once per test run: the
 * browser tests of several jest workers would otherwise empty the folder under each other's API. The first caller
 * builds (a lock file created with O_EXCL in the run's folder); the others wait for its marker.
 */
export async function buildConsoleOnce(): Promise<void> {
  const dir = process.env.TAKEDOWN_TEST_DIR;
  if (!dir)
    throw new Error('the test stack is not running: integration tests run under jest project "integration"');
  const lock = path.join(dir, 'console-build.lock');
  const done = path.join(dir, 'console-build.done');
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    for (const until = Date.now() + 300_000; !fs.existsSync(done);) {
      if (Date.now() > until)
        throw new Error('the console build of another test worker did not finish in 5 min');
      await new Promise((r) => setTimeout(r, 250));
    }
    return;
  }
  await promisify(execFile)(
    path.join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'apps/console/vite.config.ts', '--logLevel', 'warn'],
    // jest sets NODE_ENV=test, with which Vite would bundle React's development build.
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } },
  );
  fs.writeFileSync(done, '');
}
