import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ensureJavaTestServer } from '../support/test-server';
import { startTimeSkipping } from '../support/time-skipping';
import { sleepyWorkflow } from './fixtures/sleepy.workflow';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Java time-skipping test server (resolved with Maven) runs a day-long timer in seconds of wall clock. */
describe('Java time-skipping test server', () => {
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    // A cold Maven cache downloads ~40 MB of jars; a warm one returns the cached wrapper at once.
    const path = await ensureJavaTestServer({
      log: (line) => process.env.TAKEDOWN_TEST_VERBOSE && console.log(line),
    });
    env = await startTimeSkipping(path);
  }, 10 * 60_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a 24 hour workflow timer', async () => {
    const temporal = env!;
    expect(temporal.supportsTimeSkipping).toBe(true);
    const taskQueue = `time-skipping-${randomUUID()}`;
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/sleepy.workflow'),
    });

    const serverBeforeMs = await temporal.currentTimeMs();
    const wallBeforeMs = Date.now();
    const result = await worker.runUntil(
      temporal.client.workflow.execute(sleepyWorkflow, { taskQueue, workflowId: `sleepy-${randomUUID()}` }),
    );
    const wallElapsedMs = Date.now() - wallBeforeMs;
    const serverElapsedMs = (await temporal.currentTimeMs()) - serverBeforeMs;

    expect(result.wokeAtMs - result.startedAtMs).toBeGreaterThanOrEqual(DAY_MS);
    expect(serverElapsedMs).toBeGreaterThanOrEqual(DAY_MS);
    expect(wallElapsedMs).toBeLessThan(60_000);
  });
});
