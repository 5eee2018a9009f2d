import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, supervise } from '@takedown/dev';
import { eventually } from '../support/eventually';

/**
 * The dev stack's supervisor (apps/dev/src/supervise.ts, what `npm start` runs the worker and the API under),
 * on small node scripts instead of the real parts, with restart delays of milliseconds instead of seconds.
 */
describe('the dev stack restarts a crashed part', () => {
  let dir: string;
  let lines: string[];
  let gaveUp: string[];
  let stopping: boolean;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervise-'));
    lines = [];
    gaveUp = [];
    stopping = false;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (script: string, env: Record<string, string> = {}) =>
    supervise({
      name: 'part',
      args: ['-e', script],
      cwd: dir,
      env: { ...process.env, ...env },
      logFile: path.join(dir, 'part.log'),
      healthUrl: `http://127.0.0.1:${env.PORT ?? 9}/health`,
      isStopping: () => stopping,
      say: (line) => lines.push(line),
      giveUp: (why) => gaveUp.push(why),
      firstDelayMs: 20,
    });

  it('restarts a part that died, with growing delays, and says when it is back', async () => {
    const port = await freePort();
    // The first run dies at once; the second serves /health.
    const part = run(
      `const fs = require('fs');
       if (!fs.existsSync('started')) { fs.writeFileSync('started', ''); process.kill(process.pid, 'SIGKILL'); }
       require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');`,
      { PORT: String(port) },
    );
    try {
      await eventually(
        async () => lines.join('\n'),
        (t) => t.includes('The part is back'),
        20_000,
      );
      expect(lines[0]).toMatch(/^The part exited \(SIGKILL\); restarting it in 0\.02 s \(1 of 5 exits/);
      expect(lines[1]).toMatch(/^The part was restarted \(pid \d+\)\.$/);
      expect(lines[2]).toMatch(/^The part is back: healthy [\d.]+ s after its restart\.$/);
      expect(gaveUp).toEqual([]);
    } finally {
      stopping = true;
      await part.stop();
    }
  });

  it('gives up on a part that keeps crashing, naming it and why', async () => {
    run('process.exit(3)');
    await eventually(
      async () => gaveUp,
      (g) => g.length > 0,
      20_000,
    );
    expect(gaveUp).toEqual([
      expect.stringMatching(
        /^the part keeps crashing: 5 exits within 5 minutes, the last exit code 3 \(see .*part\.log\)\.$/,
      ),
    ]);
    expect(
      lines.filter((l) => l.startsWith('The part exited')).map((l) => /in ([\d.]+) s/.exec(l)?.[1]),
    ).toEqual(['0.02', '0.04', '0.08', '0.16']);
  });

  it('gives up at once on a part that refuses its configuration (exit 78)', async () => {
    run('process.exit(78)');
    await eventually(
      async () => gaveUp,
      (g) => g.length > 0,
      20_000,
    );
    expect(gaveUp[0]).toMatch(
      /^the part refused its configuration \(exit code 78; .*\); a restart cannot help\.$/,
    );
    expect(lines).toEqual([]);
  });

  it('does not restart a part it was told to stop', async () => {
    const part = run('setInterval(() => undefined, 1000)');
    stopping = true;
    await part.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(lines).toEqual([]);
    expect(gaveUp).toEqual([]);
  });
});
