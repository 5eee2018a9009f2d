// `npm run build:console`: Vite builds the web console beside dist/console, and the build is then renamed into place.
// Vite's own `--emptyOutDir` into dist/console would leave a running API (npm start, a test lane) without index.html
// for the seconds the build takes: a page loaded then got the API's 404. The two renames leave it without one for
// microseconds. Plain JavaScript, as it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';

const root = process.cwd();
const served = path.join(root, 'dist', 'console');
fs.mkdirSync(path.dirname(served), { recursive: true });
const fresh = fs.mkdtempSync(`${served}.build-`);
const old = `${fresh}.old`;
try {
  const vite = path.join(root, 'node_modules', '.bin', 'vite');
  const built = spawnSync(
    vite,
    [
      'build',
      '--config',
      'apps/console/vite.config.ts',
      '--outDir',
      fresh,
      '--emptyOutDir',
      ...process.argv.slice(2),
    ],
    // Production React whatever the caller's NODE_ENV: a test that runs `npm start` has jest's `test`, with which Vite
    // would bundle React's development build, under other file names than the build the pages already open use.
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (built.status !== 0) {
    // Not process.exit here: the `finally` below removes the half-made build first.
    process.exitCode = built.status ?? 1;
  } else {
    fs.chmodSync(fresh, 0o755); // mkdtemp makes it 0700; the served folder should look like any other
    if (fs.existsSync(served)) fs.renameSync(served, old);
    fs.renameSync(fresh, served);
  }
} finally {
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
}
