import './aliases';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startStack, type RunningStack } from '@takedown/dev';
import { WORKFLOW_BUNDLE_ENV, bundleWorkflows } from '@takedown/worker/workflow-bundle';
import { cachedBuild } from './build-cache';
import { CHILD_BUILD_ENV, compileForChildren } from './child-build';

declare global {
  // Shared with global-teardown, which runs in the same process.
  var __takedownStack: { stack: RunningStack; dir: string } | undefined;
}

/**
 * Starts the same embedded PostgreSQL, Temporal dev server and SMTP capture as `npm start`, once per test run, on
 * free ports and in a throw-away folder, and hands their addresses to the test files through the environment.
 * Meanwhile it bundles the workflows once for every worker of the run and compiles the project once for the child
 * processes tests start, both kept in .cache for the next run of the same sources.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-test-'));
  const started = Date.now();
  const [stackStart, bundled, built] = await Promise.allSettled([
    startStack({
      dataDir: dir,
      ports: { postgres: await freePort(), temporal: await freePort(), smtp: await freePort() },
      log: (line) => process.stderr.write(`[test-stack] ${line}\n`),
    }),
    cachedBuild('workflow-bundle', (into) => bundleWorkflows(path.join(into, 'workflow-bundle.js'))),
    cachedBuild('child-build', compileForChildren),
  ]);
  const failed = [stackStart, bundled, built].find((r) => r.status === 'rejected');
  if (failed) {
    // No stack may outlive a setup that failed.
    if (stackStart.status === 'fulfilled') await stackStart.value.stop();
    throw failed.reason;
  }
  const stack = (stackStart as PromiseFulfilledResult<RunningStack>).value;
  const bundle = path.join((bundled as PromiseFulfilledResult<string>).value, 'workflow-bundle.js');
  const build = (built as PromiseFulfilledResult<string>).value;
  globalThis.__takedownStack = { stack, dir };
  // A lane stopped from outside (run-p stops the other lanes when one fails, or Ctrl-C) never reaches globalTeardown:
  // without this its PostgreSQL and Temporal server would outlive it.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`[test-stack] ${signal}: stopping the stack\n`);
      void stack.stop().finally(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(code);
      });
    });
  }
  process.env.DATABASE_URL = stack.databaseUrl;
  process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.SMTP_URL = stack.smtpUrl;
  process.env.MAIL_CAPTURE_DIR = stack.mailCaptureDir ?? '';
  process.env.TAKEDOWN_TEST_DIR = dir;
  process.env.TAKEDOWN_DATA_DIR = dir;
  process.env[WORKFLOW_BUNDLE_ENV] = bundle;
  process.env[CHILD_BUILD_ENV] = build;
  process.env.LINK_SIGNING_KEYS = `test:${randomBytes(32).toString('hex')}`;
  // Host names that reports name are resolved at intake: in tests, never by the system's resolver (it recurses to the
  // outside). A closed port on loopback refuses at once; host-names.e2e.spec.ts runs a DNS server of its own.
  process.env.DNS_RESOLVER = '127.0.0.1:9';
  // Removal claims are checked by HEAD requests where a policy allows it: in tests, to servers on loopback only.
  process.env.REMOVAL_PROBE = 'loopback';
  process.stderr.write(`[test-stack] up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
