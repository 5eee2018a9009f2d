import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'apps', 'dev', 'build-if-changed.mjs');

/**
 * `npm start` and `npm run takedown` run apps/dev/build-if-changed.mjs before the build's entry point. Here it
 * runs on a package of its own whose `build` script only counts its runs.
 */
describe('build only when sources changed', () => {
  let dir: string;
  const builds = () =>
    fs.existsSync(path.join(dir, 'builds')) ? fs.readFileSync(path.join(dir, 'builds'), 'utf8').length : 0;
  const check = () => execFileSync(process.execPath, [SCRIPT], { cwd: dir, stdio: 'pipe' });
  // A save after the last build: the build's stamp an hour back, the file now.
  const changedSinceBuild = (file: string) => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(path.join(dir, 'dist', '.build-stamp'), hourAgo, hourAgo);
    fs.utimesSync(file, new Date(), new Date());
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-if-changed-'));
    const build = `node -e "require('fs').appendFileSync('builds', 'x')"`;
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', scripts: { build } }));
    fs.mkdirSync(path.join(dir, 'apps', 'cli'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'apps', 'cli', 'main.ts'), 'export {};\n');
    fs.writeFileSync(path.join(dir, 'apps', 'cli', 'old.ts'), 'export {};\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds the first time, then not again until a source changes', () => {
    check();
    expect(builds()).toBe(1);
    check();
    check();
    expect(builds()).toBe(1);

    changedSinceBuild(path.join(dir, 'apps', 'cli', 'main.ts'));
    check();
    expect(builds()).toBe(2);
    check();
    expect(builds()).toBe(2);
  });

  it('builds again when a source is removed or the build output is gone', () => {
    check();
    fs.rmSync(path.join(dir, 'apps', 'cli', 'old.ts'));
    changedSinceBuild(path.join(dir, 'apps', 'cli'));
    check();
    expect(builds()).toBe(2);

    fs.rmSync(path.join(dir, 'dist'), { recursive: true });
    check();
    expect(builds()).toBe(3);
  });

  it('stops with the build’s exit code when the build fails, and leaves no stamp (the next run builds)', () => {
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'p', scripts: { build: 'exit 3' } }),
    );
    expect(() => check()).toThrow(expect.objectContaining({ status: 3 }));
    expect(fs.existsSync(path.join(dir, 'dist', '.build-stamp'))).toBe(false);
  });
});
