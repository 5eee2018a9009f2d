import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CHILD_BUILD_ENV } from '../support/child-build';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

describe('the workflow bundle that `npm run build` makes', () => {
  let dist: string;
  beforeAll(() => {
    const build = process.env[CHILD_BUILD_ENV];
    if (!build)
      throw new Error(`${CHILD_BUILD_ENV} is unset: this test runs under jest project "integration"`);
    // A copy of this run's compiled tree, inside the project so that its modules resolve from node_modules.
    const dir = fs.mkdtempSync(path.join(ROOT, '.cache', 'bundle-build-'));
    dist = path.join(dir, 'dist');
    fs.cpSync(path.join(build, 'dist'), dist, { recursive: true });
  });
  afterAll(() => {
    if (dist) fs.rmSync(path.dirname(dist), { recursive: true, force: true });
  });

  /** What a worker of the copied build says about its workflow code, with no bundle named in the environment. */
  async function workerSays(): Promise<string> {
    const module = path.join(dist, 'apps', 'worker', 'src', 'workflow-bundle.js');
    const { stdout } = await run(
      process.execPath,
      ['-e', `require(${JSON.stringify(module)}).workflowSource((line) => console.log(line))`],
      { env: { ...process.env, TAKEDOWN_WORKFLOW_BUNDLE: '' } },
    );
    return stdout.trim();
  }

  it('is what a compiled worker loads instead of running webpack, until the compiled workflows change', async () => {
    expect(await workerSays()).toMatch(/^workflow code: bundled now \(no workflow-bundle\.json in /);

    await run(process.execPath, [path.join(dist, 'apps', 'worker', 'src', 'build-workflow-bundle.js')]);
    const bundle = path.join(dist, 'workflow-bundle.js');
    expect(await workerSays()).toBe(`workflow code: the bundle made by the build, ${bundle}`);
    const code = fs.readFileSync(bundle, 'utf8');
    for (const workflow of ['noticeWorkflow', 'terminationWorkflow', 'customerStandingWorkflow']) {
      expect(code).toContain(workflow);
    }

    // Compiled again with a change (a copy that kept old files' times would look the same by date).
    const compiled = path.join(dist, 'workflows', 'notice.workflow.js');
    const { mtime } = fs.statSync(compiled);
    fs.appendFileSync(compiled, '\n// changed\n');
    fs.utimesSync(compiled, mtime, mtime);
    expect(await workerSays()).toMatch(
      /^workflow code: bundled now \(the compiled workflows changed since it was made; /,
    );
  });
});
