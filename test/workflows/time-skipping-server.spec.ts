import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ensureJavaTestServer, stopTestServerPool } from '../support/test-server';
import { startTimeSkipping } from '../support/time-skipping';
import { sleepyWorkflow } from './fixtures/sleepy.workflow';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Java time-skipping test server (resolved with Maven) runs a day-long timer in seconds of wall clock. */
describe('Java time-skipping test server', () => {
  let env: TestWorkflowEnvironment | undefined;
  let server: string;

  beforeAll(async () => {
    // A cold Maven cache downloads ~40 MB of jars; a warm one returns the cached wrapper at once.
    server = await ensureJavaTestServer({
      log: (line) => process.env.TAKEDOWN_TEST_VERBOSE && console.log(line),
    });
    env = await startTimeSkipping(server);
  }, 10 * 60_000);

  afterAll(async () => {
    await env?.teardown();
    await stopTestServerPool();
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

  // The servers of a file share one JVM: each must still be a server of its own, or a workflow one test left behind
  // would hold the next test's clock.
  it('gives each server of the pool a clock and workflows of its own, and stops one alone', async () => {
    const [a, b] = [await startTimeSkipping(server), await startTimeSkipping(server)];
    let aRuns = true;
    try {
      expect(a.address).not.toBe(b.address);
      const [a0, b0] = [await a.currentTimeMs(), await b.currentTimeMs()];
      await a.sleep(DAY_MS);
      expect((await a.currentTimeMs()) - a0).toBeGreaterThanOrEqual(DAY_MS);
      expect((await b.currentTimeMs()) - b0).toBeLessThan(60_000);

      const workflowId = `only-in-a-${randomUUID()}`;
      await a.client.workflow.start(sleepyWorkflow, { taskQueue: `nobody-${randomUUID()}`, workflowId });
      await expect(a.client.workflow.getHandle(workflowId).describe()).resolves.toMatchObject({ workflowId });
      await expect(b.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);

      await a.teardown();
      aRuns = false;
      await expect(b.currentTimeMs()).resolves.toBeGreaterThanOrEqual(b0);
    } finally {
      if (aRuns) await a.teardown();
      await b.teardown();
    }
  });

  // The SDK's connections ping every 30 s. Temporal's own TestServer allows one ping per 5 minutes and, at the third
  // early one, closes the connection with the calls on it: a long test lost its poll or its lock of the clock.
  it('keeps a connection that pings often, and the call in flight on it', async () => {
    const temporal = env!;
    const connection = await Connection.connect({
      address: temporal.address,
      channelArgs: { 'grpc.keepalive_time_ms': 2_000, 'grpc.keepalive_permit_without_calls': 1 },
      interceptors: [], // no retries: a call cut off must show
    });
    try {
      const started = Date.now();
      // An empty task queue: the long poll waits until its deadline, 8 s, through three pings.
      const outcome = await connection
        .withDeadline(Date.now() + 8_000, () =>
          connection.workflowService.pollWorkflowTaskQueue({
            namespace: 'default',
            taskQueue: { name: `nothing-${randomUUID()}` },
            identity: 'keepalive-test',
          }),
        )
        .then(
          () => 'answered',
          (err: { code?: number }) => `error ${err.code}`,
        );
      expect(Date.now() - started).toBeGreaterThanOrEqual(7_500);
      // The call ended at its deadline: 4, DEADLINE_EXCEEDED, from the client's own timer, or 1, CANCELLED, when the
      // server, which was sent the deadline, cancels the stream first (a warm run on a busy machine). A connection
      // closed for its pings gives 14, UNAVAILABLE, after about 6 s.
      expect(['answered', 'error 4', 'error 1']).toContain(outcome);
    } finally {
      await connection.close();
    }
  }, 30_000);
});
