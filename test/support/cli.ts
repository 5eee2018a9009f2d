import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { nodeArgs } from './child-build';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs `takedown <args>` as its own process (compiled once per run), as an operator would, with `env` on top of this
 * process's environment. Rejects on a non-zero exit (the error carries `code`, `stdout` and `stderr`).
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [...nodeArgs('apps/cli/src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}
