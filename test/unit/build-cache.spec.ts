import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedBuild, prune } from '../support/build-cache';

/**
 * The test runs' build cache (.cache/test-builds) keeps a few builds of other sources, and never one a running lane
 * may still be reading: a source saved during `npm test` made another lane's or a file run's next build, whose pruning
 * removed the running lanes' workflow bundle.
 */
describe('pruning the test builds', () => {
  const HOUR = 3_600_000;
  const now = Date.parse('2026-12-07T12:00:00Z');
  let dir: string;
  const build = (entry: string, hoursAgo: number) => {
    fs.mkdirSync(path.join(dir, entry));
    const at = new Date(now - hoursAgo * HOUR);
    fs.utimesSync(path.join(dir, entry), at, at);
  };
  const left = () => fs.readdirSync(dir).sort();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-cache-prune-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every build taken within two hours, however many there are', () => {
    for (const [i, hours] of [0, 0.1, 0.2, 0.5, 1.9].entries()) build(`workflow-bundle-${i}`, hours);
    prune('workflow-bundle', dir, now);
    expect(left()).toHaveLength(5);
  });

  it('drops the older unused builds beyond the newest three, other names and live scratch folders untouched', () => {
    for (const [i, hours] of [0, 3, 4, 5, 6].entries()) build(`workflow-bundle-${i}`, hours);
    build('child-build-old', 50);
    build('workflow-bundle-9.tmp-live', 0.5);
    build('workflow-bundle-8.tmp-killed', 1.5);
    prune('workflow-bundle', dir, now);
    expect(left()).toEqual([
      'child-build-old',
      'workflow-bundle-0',
      'workflow-bundle-1',
      'workflow-bundle-2',
      'workflow-bundle-9.tmp-live',
    ]);
  });
});

/** `npm test`'s lanes start together and each asks for the same builds: one makes them, the others wait for it. */
describe('making a test build once', () => {
  const NOTHING = { dirs: [], skip: [], files: [] };
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-cache-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const slowMake = (calls: string[]) => async (into: string) => {
    calls.push(into);
    await new Promise((resolve) => setTimeout(resolve, 300));
    fs.writeFileSync(path.join(into, 'out.js'), 'built');
  };

  it('makes it once for callers that ask together, and hands each the same folder', async () => {
    const calls: string[] = [];
    const folders = await Promise.all(
      [1, 2, 3].map(() => cachedBuild('bundle', slowMake(calls), NOTHING, dir)),
    );
    expect(calls).toHaveLength(1);
    expect(new Set(folders).size).toBe(1);
    expect(fs.readFileSync(path.join(folders[0], 'out.js'), 'utf8')).toBe('built');
    expect(fs.readdirSync(dir).filter((e) => e.endsWith('.lock') || e.includes('.tmp-'))).toEqual([]);
  });

  it('takes over the lock of a process that died while making it', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = gone.stdout.toString();
    const calls: string[] = [];
    const first = await cachedBuild('bundle', slowMake(calls), NOTHING, dir);
    fs.rmSync(first, { recursive: true });
    fs.mkdirSync(`${first}.lock`);
    fs.writeFileSync(path.join(`${first}.lock`, 'pid'), deadPid);
    expect(await cachedBuild('bundle', slowMake(calls), NOTHING, dir)).toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('waits for a lock whose pid is not written yet, as for a live maker', async () => {
    const calls: string[] = [];
    const first = await cachedBuild('bundle', slowMake(calls), NOTHING, dir);
    fs.renameSync(first, `${first}.made`);
    fs.mkdirSync(`${first}.lock`);
    fs.writeFileSync(path.join(`${first}.lock`, 'pid'), '');
    const waiting = cachedBuild('bundle', slowMake(calls), NOTHING, dir);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The maker that held it finishes: its build in place, its lock gone.
    fs.renameSync(`${first}.made`, first);
    fs.rmSync(`${first}.lock`, { recursive: true });
    expect(await waiting).toBe(first);
    expect(calls).toHaveLength(1);
  });

  it('lets the next caller try when the maker failed', async () => {
    const failing = cachedBuild(
      'bundle',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        throw new Error('tsc failed');
      },
      NOTHING,
      dir,
    );
    const calls: string[] = [];
    const waiting = cachedBuild('bundle', slowMake(calls), NOTHING, dir);
    await expect(failing).rejects.toThrow('tsc failed');
    expect(fs.existsSync(await waiting)).toBe(true);
    expect(calls).toHaveLength(1);
  });
});
