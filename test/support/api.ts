import { randomUUID } from 'node:crypto';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { createWorker } from '@takedown/worker/create-worker';
import { WorkerModule } from '@takedown/worker/worker.module';
import { testEnv } from './env';

export interface RunningSystem {
  app: INestApplication;
  env: ReturnType<typeof testEnv>;
  stop(): Promise<void>;
}

/**
 * The API and a worker on the test stack, each on a task queue of its own so that test files never take each
 * other's workflows. The API is driven through HTTP with supertest.
 */
export async function startSystem(overrides: Record<string, string> = {}): Promise<RunningSystem> {
  const env = testEnv({ TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`, ...overrides });
  const container: INestApplicationContext = await NestFactory.createApplicationContext(
    WorkerModule.forEnv(env),
    { logger: false },
  );
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker: Worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    container,
  });
  const running = worker.run();
  const app = await createApp(new AppConfig(env));
  await app.init();
  return {
    app,
    env,
    async stop() {
      await app.close();
      worker.shutdown();
      await running;
      await connection.close();
      await container.close();
    },
  };
}
