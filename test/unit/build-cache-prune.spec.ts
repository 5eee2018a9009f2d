import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prune } from '../support/build-cache';

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
