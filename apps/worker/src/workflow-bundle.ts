import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultLogger, bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * A workflow bundle made beforehand (`bundleWorkflows`). Set, every worker of the process and its children loads it
 * instead of running webpack again: the tests bundle once per run rather than once per worker.
 */
export const WORKFLOW_BUNDLE_ENV = 'TAKEDOWN_WORKFLOW_BUNDLE';

/** What `npm run build` writes beside the compiled code: the bundle, and a digest of what it was made from. */
export const BUILT_BUNDLE = 'workflow-bundle.js';
const BUILT_BUNDLE_DIGEST = 'workflow-bundle.json';
/** The compiled code a bundle is made of: the workflows, the domain rules they import, and the SDK's versions. */
const BUNDLE_INPUTS = ['workflows', path.join('libs', 'domain')];

type WorkflowSource = Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions' | 'workflowBundle'>;

/**
 * Where the worker's workflow code comes from: the bundle named by TAKEDOWN_WORKFLOW_BUNDLE; else, in compiled code,
 * the bundle `npm run build` made of it, if it was made of the code as it is now; else webpack at the worker's start.
 * `describe` says which (the worker logs it): a build without its bundle works, but starts slower and keeps webpack's
 * memory for as long as the worker runs.
 */
export function workflowSource(describe: (line: string) => void = () => undefined): WorkflowSource {
  const prebuilt = process.env[WORKFLOW_BUNDLE_ENV];
  if (prebuilt) {
    describe(`workflow code: the bundle ${prebuilt} (${WORKFLOW_BUNDLE_ENV})`);
    return { workflowBundle: { codePath: prebuilt } };
  }
  if (__filename.endsWith('.js')) {
    const built = builtBundle(ROOT);
    if (built.path) {
      describe(`workflow code: the bundle made by the build, ${built.path}`);
      return { workflowBundle: { codePath: built.path } };
    }
    describe(`workflow code: bundled now (${built.why}; \`npm run build\` makes it beforehand)`);
  }
  return bundlerInput();
}

/**
 * The bundle `writeBuiltBundle` made in the compiled tree `dist`, if the code it was made of is unchanged since; else
 * why not. Compared by content (a digest), not by file times, which copies and checkouts do not keep.
 */
export function builtBundle(
  dist: string,
): { path: string; why?: undefined } | { path?: undefined; why: string } {
  const bundle = path.join(dist, BUILT_BUNDLE);
  let recorded: { inputs?: unknown };
  try {
    recorded = JSON.parse(fs.readFileSync(path.join(dist, BUILT_BUNDLE_DIGEST), 'utf8')) as {
      inputs?: unknown;
    };
  } catch {
    return { why: `no ${BUILT_BUNDLE_DIGEST} in ${dist}` };
  }
  if (!fs.existsSync(bundle)) return { why: `no ${BUILT_BUNDLE} in ${dist}` };
  if (recorded.inputs !== inputsDigest(dist))
    return { why: 'the compiled workflows changed since it was made' };
  return { path: bundle };
}

/** Bundles the compiled workflows of `dist` into `dist/workflow-bundle.js`, with the digest of what it bundled. */
export async function writeBuiltBundle(dist: string): Promise<string> {
  const inputs = inputsDigest(dist);
  const file = path.join(dist, BUILT_BUNDLE);
  await bundleWorkflows(file, require.resolve(path.join(dist, 'workflows')));
  await fs.promises.writeFile(
    path.join(dist, BUILT_BUNDLE_DIGEST),
    `${JSON.stringify({ inputs }, null, 2)}\n`,
  );
  return file;
}

/** Bundles the workflows once into `file`, for `TAKEDOWN_WORKFLOW_BUNDLE`. */
export async function bundleWorkflows(file: string, workflowsPath?: string): Promise<void> {
  const input = workflowsPath ? { workflowsPath } : bundlerInput();
  const { code } = await bundleWorkflowCode({
    workflowsPath: input.workflowsPath!,
    ...input.bundlerOptions,
    logger: new DefaultLogger('WARN'),
  });
  // Written beside its final name and renamed: a worker never loads half a bundle.
  await fs.promises.writeFile(`${file}.tmp`, code);
  await fs.promises.rename(`${file}.tmp`, file);
}

/** A digest of every file under the bundle's inputs in `dist` (names and contents), and of the SDK's versions. */
function inputsDigest(dist: string): string {
  const hash = createHash('sha256');
  for (const pkg of ['@temporalio/workflow', '@temporalio/worker']) {
    const { version } = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as {
      version: string;
    };
    hash.update(`${pkg}@${version}\n`);
  }
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        hash.update(`${path.relative(dist, full)}\0`);
        hash.update(fs.readFileSync(full));
      }
    }
  };
  for (const input of BUNDLE_INPUTS) walk(path.join(dist, input));
  return hash.digest('hex');
}

/**
 * The workflow bundler (webpack) does not read tsconfig `paths`. When workflows are bundled from TypeScript source
 * (tests, ts-node) it gets the same aliases from tsconfig.json, the one source of truth; the compiled `dist` tree
 * has its aliases rewritten to relative paths already.
 */
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
