import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { WORKFLOW_BUNDLE_ENV, bundleWorkflows } from '@takedown/worker/workflow-bundle';
import { cachedBuild } from '../support/build-cache';
import { compileForChildren } from '../support/child-build';

const ROOT = path.resolve(__dirname, '..', '..');

export interface BenchRun {
  code: number;
  stdout: string;
  /** The end of what it wrote on stderr. */
  stderr: string;
}

/**
 * The compiled build and the workflow bundle the test lanes make once for the current sources (kept in .cache), as
 * the environment of a bench: its workers start from them instead of `npm run build` into dist/ and a webpack
 * bundle of their own. This project has no global setup, so it asks the cache itself.
 */
export async function prebuilt(): Promise<Record<string, string>> {
  const [build, bundle] = await Promise.all([
    cachedBuild('child-build', compileForChildren),
    cachedBuild('workflow-bundle', (into) => bundleWorkflows(path.join(into, 'workflow-bundle.js'))),
  ]);
  return { BENCH_BUILD: build, [WORKFLOW_BUNDLE_ENV]: path.join(bundle, 'workflow-bundle.js') };
}

/**
 * `npm run bench:NAME -- ARGS` with `env` on top of this process's, on the run's build (`prebuilt`): its exit code and
 * what it printed. Without BENCH_BUILD `bench/run.mjs` runs `npm run build` into dist/ when a source changed, which
 * after every edit (and always on a fresh clone) cost the lane a second compile of the project and a console build.
 */
export async function runBench(name: string, args: string[], env: Record<string, string>): Promise<BenchRun> {
  const built = await prebuilt();
  return new Promise((resolve) => {
    const runEnv: NodeJS.ProcessEnv = { ...process.env, ...built, ...env };
    // A bench starts stacks of its own; no test stack's settings may leak into them.
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'MAIL_CAPTURE_DIR'])
      delete runEnv[name];
    execFile(
      'npm',
      ['run', '--silent', `bench:${name}`, ...(args.length ? ['--', ...args] : [])],
      { cwd: ROOT, env: runEnv, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr: stderr.slice(-3000),
        }),
    );
  });
}
