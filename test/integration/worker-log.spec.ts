import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '@takedown/dev';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The worker's stdout is what `npm start` writes to .data/logs/worker.log: every line there is JSON (pino's shape),
 * Nest's and the Temporal SDK's and its Rust core's lines included, with no terminal colour codes.
 */
describe('worker.log', () => {
  it('holds only JSON lines from pino, with Nest, the SDK and its core routed through it, and no ANSI codes', async () => {
    const env = testEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-log-'));
    const file = path.join(dir, 'worker.log');
    const port = await freePort();
    const out = fs.openSync(file, 'a');
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/worker/src/main.ts'],
      {
        cwd: ROOT,
        // debug, so that the SDK core has something to say; FORCE_COLOR as a terminal would set it.
        env: {
          ...process.env,
          DATABASE_URL: env.DATABASE_URL,
          TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
          SMTP_URL: env.SMTP_URL,
          TEMPORAL_TASK_QUEUE: `worker-log-${randomUUID()}`,
          WORKER_PORT: String(port),
          LOG_LEVEL: 'debug',
          FORCE_COLOR: '1',
        },
        stdio: ['ignore', out, 'pipe'],
      },
    );
    fs.closeSync(out);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(
        async () => fs.readFileSync(file, 'utf8'),
        (text) => text.includes('worker polling'),
        150_000,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);

      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toContain('\u001b[');
      const lines = text.split('\n').filter((l) => l !== '');
      const notJson = lines.filter((l) => {
        try {
          return typeof JSON.parse(l) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const e of entries) {
        expect(e).toEqual(
          expect.objectContaining({ app: 'worker', level: expect.any(Number), time: expect.any(Number) }),
        );
      }
      // Nest's DI container, the SDK's worker (TypeScript side) and its core (Rust side), each through pino.
      expect(entries.some((e) => e.context === 'InstanceLoader')).toBe(true);
      expect(entries.some((e) => e.temporal && e.sdkComponent === 'worker')).toBe(true);
      expect(entries.some((e) => e.temporal && e.sdkComponent === 'core')).toBe(true);
      expect(entries.some((e) => e.msg === 'worker stopped; closing connections')).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
