/**
 * The floor's worker for `npm run bench:e2e`, a child process as Takedown's worker is: polls its own task queue, runs
 * bench/floor.workflow.ts, and prints `done <n> <epoch ms>` on stdout when the activity of run n has run. Payloads
 * go through Takedown's data converter (the bench passes the same TEMPORAL_PAYLOAD_KEYS), so the floor pays the
 * encryption the notices pay; cache and concurrency are Takedown's worker's (`workerTuning`).
 *
 * Its workflow code is bundled beforehand, as a build's worker loads its own (`--bundle FILE` writes the bundle and
 * exits; FLOOR_BUNDLE names it to the worker): webpack run inside the worker would stay in its heap for the whole run.
 */
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadEnv, temporalDataConverter } from '@takedown/config';
import { bundleWorkflows } from '../apps/worker/src/workflow-bundle';
import { workerTuning } from '../apps/worker/src/worker-settings';

async function main(): Promise<void> {
  if (process.argv[2] === '--bundle') {
    await bundleWorkflows(process.argv[3], require.resolve('./floor.workflow'));
    return;
  }
  const taskQueue = process.env.FLOOR_TASK_QUEUE;
  const env = loadEnv();
  if (!taskQueue || !env.TEMPORAL_ADDRESS)
    throw new Error('FLOOR_TASK_QUEUE and TEMPORAL_ADDRESS are needed');
  // The SDK core's counters on a loopback port of the bench's choosing, as Takedown's worker serves them.
  Runtime.install({
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: `127.0.0.1:${process.env.FLOOR_METRICS_PORT ?? 0}`,
          countersTotalSuffix: true,
          useSecondsForDurations: true,
        },
      },
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
    },
  });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue,
    dataConverter: temporalDataConverter(env),
    ...(process.env.FLOOR_BUNDLE
      ? { workflowBundle: { codePath: process.env.FLOOR_BUNDLE } }
      : { workflowsPath: require.resolve('./floor.workflow') }),
    activities: {
      noop: async (n: number) => {
        process.stdout.write(`done ${n} ${Date.now()}\n`);
      },
    },
    ...workerTuning(env),
  });
  process.stdout.write('ready\n');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  process.stderr.write(`floor worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
