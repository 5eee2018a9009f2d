import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { temporalDataConverter } from '@takedown/config';
import { insertSnapshot } from '@takedown/persistence';
import {
  buildStatementOfReasons,
  contentDigest,
  newReportKeyEntry,
  parseReportKeys,
  sealStatementOfReasons,
} from '@takedown/reports';
import { createWorker } from '@takedown/worker/create-worker';
import {
  ensureSchedules,
  legalMessagesScheduleId,
  transparencyDbScheduleId,
} from '@takedown/worker/schedules';
import { WorkerModule } from '@takedown/worker/worker.module';
import { testEnv } from '../support/env';
import { ownDatabase, type OwnDatabase } from '../support/own-database';

const TOKEN = 'tdb-test-token';
const DECISIONS = [
  'AUTOMATED_DECISION_FULLY',
  'AUTOMATED_DECISION_PARTIALLY',
  'AUTOMATED_DECISION_NOT_AUTOMATED',
];
const LIMITS: Record<string, number> = {
  decision_facts: 5000,
  illegal_content_legal_ground: 500,
  illegal_content_explanation: 2000,
  incompatible_content_ground: 500,
  incompatible_content_explanation: 2000,
  puid: 500,
};

/**
 * A stand-in for the Transparency Database on loopback that applies its documented rules (bearer token, at most 100
 * statements a request, required fields, field limits, a puid never seen before) and fails the first request with a
 * 500, as a database under maintenance would.
 */
function receiver() {
  const accepted: string[] = [];
  const requests: number[] = [];
  const refusals: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const answer = (status: number, message: string) => {
        requests.push(status);
        if (status >= 400 && status < 500) refusals.push(message);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer(401, 'unauthenticated');
      if (requests.length === 0) return answer(500, 'maintenance');
      const { statements } = JSON.parse(body) as { statements: Record<string, unknown>[] };
      if (!Array.isArray(statements) || !statements.length || statements.length > 100) {
        return answer(422, 'statements: between 1 and 100');
      }
      for (const s of statements) {
        for (const field of ['decision_ground', 'category', 'puid', 'source_type', 'decision_facts']) {
          if (typeof s[field] !== 'string' || !s[field]) return answer(422, `${field}: required`);
        }
        if (!s.decision_provision && !s.decision_account) return answer(422, 'a decision is required');
        if (!Array.isArray(s.content_type) || !s.content_type.length)
          return answer(422, 'content_type: required');
        for (const [field, limit] of Object.entries(LIMITS)) {
          if (typeof s[field] === 'string' && (s[field] as string).length > limit) {
            return answer(422, `${field}: at most ${limit} characters`);
          }
        }
        if (!['Yes', 'No'].includes(s.automated_detection as string))
          return answer(422, 'automated_detection');
        if (!DECISIONS.includes(s.automated_decision as string)) return answer(422, 'automated_decision');
        for (const field of ['application_date', 'content_date']) {
          if (!/^\d{4}-\d{2}-\d{2}$/.test(String(s[field]))) return answer(422, `${field}: YYYY-MM-DD`);
        }
        if (accepted.includes(s.puid as string)) return answer(422, `puid ${String(s.puid)} already exists`);
      }
      accepted.push(...statements.map((s) => s.puid as string));
      return answer(201, 'created');
    });
  });
  return { server, accepted, requests, refusals };
}

describe('statements of reasons submitted to the Transparency Database on a schedule', () => {
  let own: OwnDatabase;
  let container: INestApplicationContext;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let taskQueue: string;
  const tdb = receiver();

  beforeAll(async () => {
    own = ownDatabase('tdb');
    await own.start();
    await new Promise<void>((resolve) => tdb.server.listen(0, '127.0.0.1', resolve));
    const { port } = tdb.server.address() as AddressInfo;
    taskQueue = `tdb-${randomUUID()}`;
    const env = testEnv({
      DATABASE_URL: own.url,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TRANSPARENCY_DB_URL: `http://127.0.0.1:${port}/api/v1/statements`,
      TRANSPARENCY_DB_TOKEN: TOKEN,
    });
    // 105 statements: two batches, one statement with facts beyond the database's limit.
    const key = parseReportKeys(newReportKeyEntry('t'))[0];
    for (let i = 0; i < 105; i++) {
      const statement = buildStatementOfReasons({
        snapshotId: randomUUID(),
        generatedAt: new Date(Date.now() - (105 - i) * 1000).toISOString(),
        language: i % 2 ? 'nl' : 'en',
        case: {
          id: randomUUID(),
          openedAt: new Date().toISOString(),
          reason: i === 7 ? 'y'.repeat(6000) : 'missed',
        },
        customer: { id: randomUUID(), reference: `C-${i}`, name: `Tenant ${i}` },
        effectiveAt: new Date().toISOString(),
        immediate: false,
        notices: [
          {
            category: i % 3 ? 'csam' : 'spam',
            sourceKind: 'hotline',
            receivedAt: new Date().toISOString(),
            deadlineMissed: true,
          },
        ],
        legalEmail: 'legal@provider.example',
      });
      const sealed = await sealStatementOfReasons(statement, key, 'Provider B.V.');
      await insertSnapshot(own.db, {
        id: statement.snapshotId,
        kind: 'statement_of_reasons',
        subjectId: statement.case.id,
        createdAt: new Date(statement.generatedAt),
        createdBy: 'workflow',
        contentSha256: contentDigest(statement),
        ...sealed,
      });
    }
    container = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    const dataConverter = temporalDataConverter(env);
    worker = await createWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue,
      dataConverter,
      container,
    });
    running = worker.run();
    client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter });
    await ensureSchedules(client, {
      taskQueue,
      auditHeadEverySeconds: null,
      retentionCron: null,
      transparencyDb: true,
    });
  }, 180_000);

  afterAll(async () => {
    for (const id of [transparencyDbScheduleId(taskQueue), legalMessagesScheduleId(taskQueue)]) {
      await client?.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
    worker?.shutdown();
    await running;
    await connection?.close();
    await container?.close();
    await own?.stop();
    tdb.server.close();
  });

  async function runNow(): Promise<{ submitted: number; batches: number }> {
    const handle = client.schedule.getHandle(transparencyDbScheduleId(taskQueue));
    const before = (await handle.describe()).info.numActionsTaken;
    await handle.trigger();
    let taken = await handle.describe();
    for (let i = 0; taken.info.numActionsTaken === before && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      taken = await handle.describe();
    }
    const last = taken.info.recentActions.at(-1)!;
    return client.workflow
      .getHandle(last.action.workflow.workflowId, last.action.workflow.firstExecutionRunId)
      .result();
  }

  it('submits in batches of at most 100 that pass the database’s rules, retries a 5xx, never sends one twice', async () => {
    expect(await runNow()).toEqual({ submitted: 105, batches: 2 });
    expect(tdb.requests).toEqual([500, 201, 201]);
    expect(tdb.refusals).toEqual([]);
    expect(new Set(tdb.accepted).size).toBe(105);
    expect(await own.db.query(`SELECT count(*)::int AS n FROM statement_submissions`)).toEqual([{ n: 105 }]);

    expect(await runNow()).toEqual({ submitted: 0, batches: 0 });
    expect(tdb.requests).toHaveLength(3);
  }, 120_000);
});
