import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
/** Where global setup compiled the project for this run (see `compileForChildren`). */
export const CHILD_BUILD_ENV = 'TAKEDOWN_TEST_BUILD';

/**
 * Compiles the applications, the benches and the stack probe once per run into `dir`, without type checking (`npm run
 * typecheck` does that), as `npm run build` does: a child process then starts in a fraction of a second instead of
 * the seconds ts-node takes to compile its imports, dozens of times per run.
 */
export async function compileForChildren(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const tsconfig = path.join(dir, 'tsconfig.json');
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.build.json'),
      // Relative to this file: tsc-alias joins even absolute paths onto the config's folder.
      compilerOptions: {
        rootDir: path.relative(dir, ROOT),
        baseUrl: path.relative(dir, ROOT),
        outDir: 'dist',
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        sourceMap: false,
      },
      // The benches too: their bounded form runs them, and their workers, from this build (bench/run.mjs).
      include: ['apps', 'libs', 'workflows', 'bench', 'test/support/stack-probe.ts'].map((p) =>
        path.join(ROOT, p),
      ),
      // The web console is built by Vite, not tsc.
      exclude: [path.join(ROOT, '**', '*.spec.ts'), path.join(ROOT, 'apps', 'console')],
    }),
  );
  const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
  await promisify(execFile)(bin('tsc'), ['-p', tsconfig, '--noCheck'], { cwd: ROOT });
  await promisify(execFile)(bin('tsc-alias'), ['-p', tsconfig], { cwd: ROOT });
  // Modules resolve from the build as they do from the project.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

/** `node`'s arguments to run a TypeScript entry point of the project (a path from the root) from this run's build. */
export function nodeArgs(entry: string): string[] {
  const build = process.env[CHILD_BUILD_ENV];
  if (!build)
    throw new Error(`${CHILD_BUILD_ENV} is unset: child processes run under jest project "integration"`);
  return [path.join(build, 'dist', entry.replace(/\.ts$/, '.js'))];
}
