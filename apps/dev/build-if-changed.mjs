// `npm start` and `npm run takedown` build first, but only when a source changed since the last build: a build
// takes several seconds, a check a few milliseconds. Plain JavaScript, as it runs before anything is compiled.
// It works on the package in the current folder (npm runs scripts from the package's root).
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = process.cwd();
const stamp = path.join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['apps', 'libs', 'workflows', 'bench'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The latest change under the sources: files and folders (a folder's time changes when a file is removed). */
function newestChange() {
  let newest = 0;
  const see = (file) => {
    try {
      newest = Math.max(newest, fs.statSync(file).mtimeMs);
    } catch {
      // a file that is not there has no time
    }
  };
  const walk = (dir) => {
    see(dir);
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else see(full);
    }
  };
  SOURCE_DIRS.forEach((d) => walk(path.join(root, d)));
  SOURCE_FILES.forEach((f) => see(path.join(root, f)));
  return newest;
}

let built = 0;
try {
  built = fs.statSync(stamp).mtimeMs;
} catch {
  // never built here
}
if (newestChange() > built) {
  process.stderr.write('Building (sources changed since the last build)...\n');
  // The stamp gets the time the build started: a file saved during the build is seen as changed next time.
  const started = new Date();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, `built from the sources as of ${started.toISOString()}\n`);
  fs.utimesSync(stamp, started, started);
}
