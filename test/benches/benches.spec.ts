import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prebuilt, runBench, type BenchRun } from './run-bench';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** A failed run's exit code with the end of what it wrote on stderr, so that the report says why. */
function exited(run: BenchRun) {
  return run.code === 0 ? { code: 0 } : { code: run.code, stderr: run.stderr };
}

/**
 * Every bench in its bounded form, so that none can rot between the runs that measure (bench:attribution had
 * answered 401 since the API required tokens, unnoticed). Figures at this size mean nothing; what is checked is that
 * each one runs through its real stack, API and SQL and prints its table.
 */
describe('the benches, bounded', () => {
  it('covers every bench script', () => {
    expect(
      Object.keys(pkg.scripts)
        .filter((s) => s.startsWith('bench:'))
        .sort(),
    ).toEqual([
      'bench:api',
      'bench:attribution',
      'bench:e2e',
      'bench:feed',
      'bench:intake',
      'bench:scale',
      'bench:scale-queries',
    ]);
    const files = fs.readdirSync(path.join(ROOT, 'bench')).filter((f) => f.endsWith('.ts'));
    expect(files.sort()).toEqual([
      'api.ts',
      'attribution.ts',
      'e2e.ts',
      'feed.ts',
      'floor-worker.ts',
      'floor.workflow.ts',
      'intake.ts',
      'scale-queries.ts',
      'scale.ts',
      'throwaway-postgres.ts',
    ]);
  });

  it('bench:api serves each route through the API, as bare SQL and from the raw server, and profiles the API', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
    const profile = path.join(dir, 'api.cpuprofile');
    try {
      const run = await runBench('api', [], {
        BENCH_NOTICES: '500',
        BENCH_REQUESTS: '40',
        BENCH_WARMUP: '20',
        BENCH_ROUNDS: '1',
        BENCH_CONCURRENCY: '1,4',
        BENCH_PROFILE: profile,
      });
      expect(exited(run)).toEqual({ code: 0 });
      for (const route of ['attribution', 'one notice', 'queue, first page'])
        for (const clients of [1, 4])
          expect(run.stdout).toMatch(new RegExp(`\\| ${route} +\\| +${clients} \\|`));
      expect(run.stdout).toMatch(/attribution API p99 at 1 client: [\d.]+ ms/);
      expect(run.stdout).toMatch(
        /the raw server at 1 client, for scale: attribution p50 [\d.]+x its SQL, p99 [\d.]+ ms/,
      );
      expect(run.stdout).toMatch(
        /4 clients, bare Nest on Fastify \/ raw req\/s \(the framework's floor\): attribution [\d.]+x, one notice [\d.]+x/,
      );
      expect(JSON.parse(fs.readFileSync(profile, 'utf8')).nodes.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('bench:api stopped by SIGTERM stops its PostgreSQL and removes its folder (the API’s shutdown hooks raise the signal again)', async () => {
    const { BENCH_BUILD } = await prebuilt();
    const bench = spawn(process.execPath, [path.join(BENCH_BUILD, 'dist', 'bench', 'api.js')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_NOTICES: '200', BENCH_REQUESTS: '100000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const code = new Promise<number | null>((resolve) => bench.on('exit', (c) => resolve(c)));
    // Once the API serves (its shutdown hooks are installed), while it is being measured.
    await new Promise<void>((resolve, reject) => {
      bench.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/serving: the API on port/.test(stderr)) resolve();
      });
      bench.on('exit', () => reject(new Error(`bench:api ended before it served: ${stderr}`)));
    });
    const dir = /throw-away PostgreSQL in (\S+)/.exec(stderr)?.[1] as string;
    expect(fs.existsSync(dir)).toBe(true);
    bench.kill('SIGTERM');
    expect(await code).toBe(130);
    expect(stderr).toContain('SIGTERM: removing its PostgreSQL');
    expect(fs.existsSync(dir)).toBe(false);
  }, 120_000);

  it('bench:attribution looks addresses up through SQL and GET /v1/attribution with a token', async () => {
    const run = await runBench('attribution', [], { BENCH_ROWS: '2000', BENCH_LOOKUPS: '200' });
    expect(exited(run)).toEqual({ code: 0 });
    expect(run.stdout).toMatch(/\| GET \/v1\/attribution +\| +100 \|/);
    expect(run.stdout).toMatch(/\| index: as migrated +\| +200 \|/);
  }, 180_000);

  it('bench:intake takes notices through every channel', async () => {
    const run = await runBench('intake', [], { BENCH_N: '40', BENCH_ROUNDS: '1', BENCH_BATCH: '20' });
    expect(exited(run)).toEqual({ code: 0 });
    for (const channel of [
      'bare workflow start',
      'POST /v1/notices ',
      'POST /v1/notices/batch',
      'SMTP listener',
    ])
      expect(run.stdout).toContain(channel);
  }, 240_000);

  it('bench:feed imports a generated feed through the CLI path, and as many notices through the batch intake', async () => {
    const run = await runBench('feed', [], {
      BENCH_LINES: '2000',
      BENCH_ADDRESSES: '100',
      BENCH_BATCH: '50',
    });
    expect(exited(run)).toEqual({ code: 0 });
    expect(run.stdout).toMatch(/\| import feed: lines +\| +2000 \|/);
    expect(run.stdout).toMatch(/\| import feed: notices opened +\| +100 \|/);
    expect(run.stdout).toMatch(/\| POST \/v1\/notices\/batch +\| +100 \|/);
    expect(run.stdout).toMatch(/Import phases \(s\): read [\d.]+, known [\d.]+, attribution [\d.]+/);
    expect(run.stdout).toMatch(/Feed: \d+ lines\/s = [\d.]+x the batch intake's notices\/s/);
  }, 240_000);

  it('bench:scale-queries reads the overdue list, the stats and the search over its notices, and times the stats trigger', async () => {
    const run = await runBench('scale-queries', [], {
      BENCH_NOTICES: '2000',
      BENCH_QUERIES: '5',
      BENCH_WRITE_ROUNDS: '1',
      BENCH_WRITE_N: '200',
    });
    expect(exited(run)).toEqual({ code: 0 });
    expect(run.stdout).toMatch(/overdue/i);
    expect(run.stdout).toMatch(/stats/i);
    for (const kind of ['IP', 'CIDR /24', 'URL fragment', 'host', 'SHA-256', 'source reference'])
      expect(run.stdout).toMatch(
        new RegExp(`\\| GET /v1/notices\\?sort=time_left&q=, search: ${kind} +\\| +5 \\|`),
      );
    expect(run.stdout).toContain('URL fragment search:');
    expect(run.stdout).toMatch(
      /stats trigger's cost to writers \(1 rounds of 200 notices inserted, then 100 closed, .*: with \d+ ms, without \d+ ms, ratio [\d.]+x$/m,
    );
  }, 240_000);

  // Started with the file, beside the others: most of its time is spent waiting for timers (its sample's and its
  // probes' 48 s deadlines), which would otherwise add about two minutes to the lane.
  it.concurrent(
    'bench:scale settles a small step on the SQLite dev server',
    async () => {
      const run = await runBench(
        'scale',
        [
          '--temporal',
          'sqlite',
          '--steps',
          '30',
          '--budget',
          '240',
          '--customers',
          '20',
          '--answers',
          '5',
          '--queries',
          '5',
        ],
        // Its worker from the run's build and workflow bundle (runBench), as in the test lanes.
        { BENCH_PROBES: '3' },
      );
      expect(exited(run)).toEqual({ code: 0 });
      expect(run.stdout).toContain('Scale benchmark: 20 customers');
      expect(run.stdout).not.toMatch(/stopped/i);
    },
    480_000,
  );
});
