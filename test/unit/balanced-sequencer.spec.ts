import * as fs from 'node:fs';
import * as path from 'node:path';

// Plain CommonJS modules that jest loads untransformed (see jest.config.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BalancedSequencer = require('../support/balanced-sequencer') as new () => {
  shard(tests: FakeTest[], options: { shardIndex: number; shardCount: number }): FakeTest[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const times = require('../support/test-times') as {
  BASELINE: string;
  read(file: string): Record<string, number>;
};

type FakeTest = { path: string; context: { config: { displayName: { name: string } } } };

const ROOT = path.resolve(__dirname, '..', '..');

function specs(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.spec.ts'))
    .map((f) => path.join(ROOT, dir, f));
}

/** The files `npm test` splits into its two lanes: every unit and integration spec. */
function sharded(): FakeTest[] {
  const test = (file: string, name: string): FakeTest => ({
    path: file,
    context: { config: { displayName: { name } } },
  });
  return [
    ...specs('test/unit').map((f) => test(f, 'unit')),
    ...['integration', 'workflows', 'e2e', 'replay'].flatMap((d) =>
      specs(`test/${d}`).map((f) => test(f, 'integration')),
    ),
  ];
}

describe('the lanes of npm test', () => {
  const all = sharded();
  const lanes = [1, 2].map((shardIndex) => new BalancedSequencer().shard(all, { shardIndex, shardCount: 2 }));

  it('run every file exactly once between them', () => {
    const seen = lanes.flat().map((t) => t.path);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(all.map((t) => t.path).sort());
  });

  it('are about equally long by the baseline times, unlike equal counts', () => {
    const baseline = times.read(times.BASELINE);
    const seconds = (lane: FakeTest[]) =>
      lane.reduce(
        (sum, t) => sum + (baseline[path.relative(ROOT, t.path).split(path.sep).join('/')] ?? 0),
        0,
      );
    const [a, b] = lanes.map(seconds);
    expect(a + b).toBeGreaterThan(300);
    // No lane longer than the other by more than the longest file.
    expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(...Object.values(baseline)));
  });

  it('are the same split whatever order jest lists the files in', () => {
    const reversed = new BalancedSequencer().shard([...all].reverse(), { shardIndex: 1, shardCount: 2 });
    expect(reversed.map((t) => t.path).sort()).toEqual(lanes[0].map((t) => t.path).sort());
  });
});
