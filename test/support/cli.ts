import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs `takedown <args>` from the sources as its own process, as an operator would, with `env` on top of this
 * process's environment. Rejects on a non-zero exit (the error carries `code`, `stdout` and `stderr`).
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/cli/src/main.ts',
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, ...env } },
  );
}
