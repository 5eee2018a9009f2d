import { randomUUID } from 'node:crypto';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NativeConnection, type Worker } from '@temporalio/worker';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { Role } from '@takedown/domain';
import { temporalDataConverter } from '@takedown/config';
import { createApiToken } from '@takedown/persistence';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { createWorker } from '@takedown/worker/create-worker';
import { WorkerModule } from '@takedown/worker/worker.module';
import { storeCustomer } from './customers';
import { testEnv } from './env';

export type Http = ReturnType<typeof request.agent>;

export interface TokenScope {
  /** An account_manager token's customers; default: a fresh address nobody manages. */
  accountManagerEmail?: string;
  /**
   * A source token's source; default: a hotline of its own. A trusted flagger without a designation gets one of
   * its own (a trusted flagger token needs one).
   */
  source?: { kind: string; name: string; designationReference?: string; designatingAuthority?: string };
  /** A customer token's customer; default: a fresh customer of its own. */
  customerId?: string;
  customerAdmin?: boolean;
  expiresAt?: Date;
  name?: string;
}

export interface RunningSystem {
  app: INestApplication;
  env: ReturnType<typeof testEnv>;
  /** supertest with an admin token in every request's Authorization header. */
  http: Http;
  /** A new API token of the role (with its scope for account_manager and source). */
  tokenFor(role: Role, scope?: TokenScope): Promise<string>;
  /** supertest with a new token of the role. */
  as(role: Role, scope?: TokenScope): Promise<Http>;
  stop(): Promise<void>;
}

/** Creates an API token straight in the database of a running app, as `takedown token create` does. */
export async function tokenFor(app: INestApplication, role: Role, scope: TokenScope = {}): Promise<string> {
  const db = app.get(DataSource);
  const customerId =
    role === 'customer' ? (scope.customerId ?? (await storeCustomer(db)).customer.id) : undefined;
  const { token } = await createApiToken(db, {
    name: scope.name ?? `test ${role}`,
    role,
    accountManagerEmail:
      role === 'account_manager'
        ? (scope.accountManagerEmail ?? `am-${randomUUID()}@provider.example`)
        : undefined,
    source: role === 'source' ? sourceOf(scope) : undefined,
    customerId,
    customerAdmin: scope.customerAdmin,
    expiresAt: scope.expiresAt,
    createdBy: 'test',
  });
  return token;
}

function sourceOf(scope: TokenScope): NonNullable<TokenScope['source']> {
  const source = scope.source ?? { kind: 'hotline', name: `Hotline ${randomUUID()}` };
  if (source.kind !== 'trusted_flagger' || source.designationReference) return source;
  return { designationReference: `TF-${randomUUID()}`, designatingAuthority: 'ACM (NL)', ...source };
}

/** supertest against the app, authorised with a new token of the role (admin by default). */
export async function authorizedHttp(
  app: INestApplication,
  role: Role = 'admin',
  scope: TokenScope = {},
): Promise<Http> {
  const token = await tokenFor(app, role, scope);
  return request
    .agent(app.getHttpServer())
    .set('Authorization', `Bearer ${token}`)
    .timeout({ deadline: REQUEST_DEADLINE_MS });
}

/**
 * Every request's deadline: a request the API never answers fails its test with supertest's "Timeout of 60000ms
 * exceeded" at the line that made it, well within jest's 120 s, instead of holding the test until jest gives up on it
 * with no word of which request hung. No request of the suite takes a tenth of it on a quiet machine.
 */
const REQUEST_DEADLINE_MS = 60_000;

/**
 * The API and a worker on the test stack, each on a task queue of its own so that test files never take each
 * other's workflows. The API is driven through HTTP with supertest.
 */
export async function startSystem(overrides: Record<string, string> = {}): Promise<RunningSystem> {
  const env = testEnv({ TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`, ...overrides });
  const worker = await startWorker(env);
  const app = await createApp(new AppConfig(env));
  await app.init();
  return {
    app,
    env,
    http: await authorizedHttp(app),
    tokenFor: (role, scope) => tokenFor(app, role, scope),
    as: (role, scope) => authorizedHttp(app, role, scope),
    async stop() {
      await app.close();
      await worker.stop();
    },
  };
}

/** A worker as `apps/worker` makes it, running on `env`'s task queue until `stop`. */
export async function startWorker(env: ReturnType<typeof testEnv>): Promise<{ stop(): Promise<void> }> {
  const container: INestApplicationContext = await NestFactory.createApplicationContext(
    WorkerModule.forEnv(env),
    { logger: false },
  );
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker: Worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    dataConverter: temporalDataConverter(env),
    container,
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await container.close();
    },
  };
}
