import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { ensureJavaTestServer, standInPath, startJavaTestServer, stopTestServerPool } from './test-server';

export interface TimeSkipping {
  /** The current test's environment (client, native connection, skipped clock). */
  readonly env: TestWorkflowEnvironment;
}

/**
 * Registers the hooks that give every test of the file a Java time-skipping test server of its own. A workflow left
 * running by one test (its worker gone) would otherwise hold the shared clock at its next timer and stall the next
 * test's skipped hours. The servers of a file share one JVM (`startJavaTestServer`), and while a test runs the next
 * test's server starts. Call it at the top of a `describe`.
 */
export function timeSkippingPerTest(): TimeSkipping {
  let server: string;
  let current: TestWorkflowEnvironment | undefined;
  let next: Promise<TestWorkflowEnvironment> | undefined;
  const prestart = () => {
    next = startTimeSkipping(server);
    // Awaited by the next test (which retries on a failure); after the last test nobody waits for it.
    next.catch(() => undefined);
  };
  beforeAll(async () => {
    server = await ensureJavaTestServer();
  }, 600_000);
  beforeEach(async () => {
    const ready = next;
    next = undefined;
    // A server that failed to start in the background gets one fresh start here, at this test's own pace.
    current = ready ? await ready.catch(() => startTimeSkipping(server)) : await startTimeSkipping(server);
    prestart();
  }, 120_000);
  afterEach(async () => {
    await current?.teardown();
    current = undefined;
  });
  afterAll(async () => {
    const unused = next;
    next = undefined;
    await unused?.then((env) => env.teardown()).catch(() => undefined);
    await stopTestServerPool();
  }, 60_000);
  return {
    get env(): TestWorkflowEnvironment {
      if (!current) throw new Error('the time-skipping environment exists only inside a test');
      return current;
    },
  };
}

/**
 * A Java time-skipping test server from `ensureJavaTestServer()`'s executable, started here (`startJavaTestServer`)
 * and handed to the SDK running, so that the SDK's 5 s for a server to listen never applies (a JVM on a saturated
 * machine can take longer). Its teardown stops the server too; `stopTestServerPool()` stops the JVM.
 */
export async function startTimeSkipping(server: string): Promise<TestWorkflowEnvironment> {
  const started = await startJavaTestServer(server);
  try {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: standInPath(server) }, port: started.port },
    });
    const teardown = env.teardown.bind(env);
    env.teardown = () => teardown().finally(() => started.stop());
    return env;
  } catch (err) {
    await started.stop();
    throw err;
  }
}

const HISTORIES = path.join(__dirname, '..', 'replay', 'histories');

/**
 * Saves a finished workflow's history for the replay tests (test/replay) when RECORD_HISTORIES is set. A saved
 * history is a record of the code that made it: written once, never overwritten by a later run.
 */
export async function recordHistory(handle: WorkflowHandle, name: string | undefined): Promise<void> {
  const file = name && path.join(HISTORIES, `${name}.binpb`);
  if (!process.env.RECORD_HISTORIES || !file || fs.existsSync(file)) return;
  fs.writeFileSync(file, temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
}
