import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultLogger, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * A workflow bundle made beforehand (`bundleWorkflows`). Set, every worker of the process and its children loads it
 * instead of running webpack again: the tests bundle once per run rather than once per worker.
 */
export const WORKFLOW_BUNDLE_ENV = 'TAKEDOWN_WORKFLOW_BUNDLE';

type WorkflowSource = Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions' | 'workflowBundle'>;

/**
 * The workflow bundler (webpack) does not read tsconfig `paths`. When workflows are bundled from TypeScript source
 * (tests, ts-node) it gets the same aliases from tsconfig.json, the one source of truth; the compiled `dist` tree
 * has its aliases rewritten to relative paths already.
 */
export function workflowSource(): WorkflowSource {
  const prebuilt = process.env[WORKFLOW_BUNDLE_ENV];
  if (prebuilt) return { workflowBundle: { codePath: prebuilt } };
  return bundlerInput();
}

/** Bundles the workflows once into `file`, for `TAKEDOWN_WORKFLOW_BUNDLE`. */
export async function bundleWorkflows(file: string): Promise<void> {
  const { workflowsPath, bundlerOptions } = bundlerInput();
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath!,
    ...bundlerOptions,
    logger: new DefaultLogger('WARN'),
  });
  // Written beside its final name and renamed: a worker never loads half a bundle.
  await fs.promises.writeFile(`${file}.tmp`, code);
  await fs.promises.rename(`${file}.tmp`, file);
}

function bundlerInput(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
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
