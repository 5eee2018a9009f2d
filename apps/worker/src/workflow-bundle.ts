import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The workflow bundler (webpack) does not read tsconfig `paths`. When workflows are bundled from TypeScript source
 * (tests, ts-node) it gets the same aliases from tsconfig.json, the one source of truth; the compiled `dist` tree
 * has its aliases rewritten to relative paths already.
 */
export function workflowSource(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  const compiled = __filename.endsWith('.js');
  const workflowsPath = compiled
    ? require.resolve(path.join(__dirname, '..', '..', '..', 'workflows'))
    : require.resolve(path.join(ROOT, 'workflows', 'index.ts'));
  if (compiled) return { workflowsPath };
  return {
    workflowsPath,
    bundlerOptions: {
      webpackConfigHook: (config) => {
        config.resolve = config.resolve ?? {};
        config.resolve.alias = { ...(config.resolve.alias as Record<string, string>), ...tsconfigAliases() };
        return config;
      },
    },
  };
}

export function tsconfigAliases(): Record<string, string> {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return Object.fromEntries(
    Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [
      alias,
      path.join(ROOT, target),
    ]),
  );
}
