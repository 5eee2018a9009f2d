import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { nodeArgs } from '../support/child-build';

/** Prints, when the process exits, every module file it loaded (as JSON on stdout). */
const LOADED = `process.on('exit', () => process.stdout.write(JSON.stringify(Object.keys(require.cache))));`;

/** The modules `takedown ARGS` loaded (from this run's build, as an operator runs it), and what it wrote to stderr. */
async function loadedBy(args: string[]): Promise<{ modules: string[]; stderr: string }> {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-cli-start-'));
  try {
    const run = promisify(execFile)(
      process.execPath,
      ['--eval', `${LOADED} require(process.argv[1]);`, ...nodeArgs('apps/cli/src/main.ts'), ...args],
      // No local stack to find and no database: a command that needs one stops at its settings.
      { cwd: empty, env: { PATH: process.env.PATH ?? '', TAKEDOWN_DATA_DIR: empty } },
    );
    const { stdout, stderr } = await run.catch((err: { stdout: string; stderr: string }) => err);
    return { modules: JSON.parse(stdout.slice(stdout.lastIndexOf('["'))) as string[], stderr };
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
}

const HEAVY = /node_modules\/(typeorm|pg|@nestjs\/[^/]+|@temporalio\/[^/]+|pdf-lib|pdfkit|cli-progress)\//;
const heavy = (modules: string[]) => [...new Set(modules.flatMap((m) => m.match(HEAVY)?.[1] ?? []))];

describe('the command line starts with what its command needs', () => {
  it('prints its usage without loading TypeORM, the API, Temporal or the report signer', async () => {
    const { modules, stderr } = await loadedBy(['--help']);
    expect(stderr).toContain('takedown token create');
    expect(modules.some((m) => m.endsWith('/apps/cli/src/usage.js'))).toBe(true);
    expect(heavy(modules)).toEqual([]);
  });

  it('loads a command’s own modules when it runs: the token commands TypeORM, not the intake or Temporal', async () => {
    const { modules } = await loadedBy(['token', 'list']);
    expect(heavy(modules)).toContain('typeorm');
    expect(heavy(modules).filter((m) => m.startsWith('@temporalio/') || m.startsWith('@nestjs/'))).toEqual(
      [],
    );
  });
});
