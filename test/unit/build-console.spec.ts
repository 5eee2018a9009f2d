import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'apps', 'dev', 'build-console.mjs');

/**
 * `npm run build:console` (apps/dev/build-console.mjs), here on a folder of its own whose `vite` takes 300 ms to write
 * its index.html, or fails. Warm `npm test` runs failed console and portal pages while a test's `npm start` rebuilt
 * dist/console, which every lane's API serves: Vite emptied it for seconds, and under jest's NODE_ENV it built React's
 * development build, whose chunks have other names than those the open pages then asked for.
 */
describe('build:console puts the new build in place without a moment without index.html', () => {
  let dir: string;
  const served = () => path.join(dir, 'dist', 'console', 'index.html');
  const leftovers = () => fs.readdirSync(path.join(dir, 'dist')).filter((f) => f !== 'console');

  /**
   * Runs the script; meanwhile checks every 2 ms that the served folder has its index.html. `gaps` counts the times it
   * was missing for more than 50 ms: the script's two renames leave it missing for microseconds, which a check can
   * fall into when the machine is busy (it did once in a full run), while Vite emptying the folder left it missing
   * for the whole build (here 300 ms).
   */
  const build = (): Promise<{ code: number | null; gaps: number; checks: number }> =>
    new Promise((resolve) => {
      let gaps = 0;
      let checks = 0;
      let missingSince: number | undefined;
      const check = () => {
        checks++;
        if (!fs.existsSync(served())) missingSince ??= Date.now();
        else {
          if (missingSince !== undefined && Date.now() - missingSince > 50) gaps++;
          missingSince = undefined;
        }
      };
      const watch = setInterval(check, 2);
      const child = spawn(process.execPath, [SCRIPT], { cwd: dir, stdio: 'ignore' });
      child.on('exit', (code) => {
        clearInterval(watch);
        check();
        if (missingSince !== undefined) gaps++;
        resolve({ code, gaps, checks });
      });
    });

  const fakeVite = (body: string) => {
    const bin = path.join(dir, 'node_modules', '.bin');
    fs.mkdirSync(bin, { recursive: true });
    // The arguments as build-console.mjs passes them: `--outDir DIR` among them.
    fs.writeFileSync(
      path.join(bin, 'vite'),
      `#!/bin/sh\nout=""\nwhile [ $# -gt 0 ]; do [ "$1" = "--outDir" ] && out="$2"; shift; done\n${body}\n`,
    );
    fs.chmodSync(path.join(bin, 'vite'), 0o755);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-console-'));
    fs.mkdirSync(path.join(dir, 'dist', 'console'), { recursive: true });
    fs.writeFileSync(served(), 'old build');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves the old build until the new one is complete, then the new one, for production; nothing left beside it', async () => {
    // Under jest NODE_ENV is `test`, as for a test that runs `npm start`: Vite must still build for production.
    expect(process.env.NODE_ENV).toBe('test');
    fakeVite('rm -rf "$out"/*; sleep 0.3; echo "new build, NODE_ENV=$NODE_ENV" > "$out/index.html"');
    const { code, gaps, checks } = await build();
    expect(code).toBe(0);
    expect(checks).toBeGreaterThan(20);
    expect(gaps).toBe(0);
    expect(fs.readFileSync(served(), 'utf8')).toBe('new build, NODE_ENV=production\n');
    expect(leftovers()).toEqual([]);
  });

  it('keeps the old build when Vite fails, and says so by its exit code', async () => {
    fakeVite('echo half > "$out/index.html"; exit 3');
    const { code, gaps } = await build();
    expect(code).toBe(3);
    expect(gaps).toBe(0);
    expect(fs.readFileSync(served(), 'utf8')).toBe('old build');
    expect(leftovers()).toEqual([]);
  });
});
