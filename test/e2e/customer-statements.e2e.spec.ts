import { createHash, randomUUID } from 'node:crypto';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import type { StatementOfReasons } from '@takedown/reports';
import { NotificationActivitiesService } from '@takedown/worker/notification-activities.service';
import { TerminationActivitiesService } from '@takedown/worker/termination-activities.service';
import { WorkerModule } from '@takedown/worker/worker.module';
import { authorizedHttp, type Http } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

interface Listed {
  id: string;
  kind: string;
  createdAt: string;
  caseId: string | null;
  noticeId: string | null;
  digest: string;
  json: string;
  pdf: string;
}

const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/**
 * DSA Art. 17 in the customer's portal API: the statements of reasons the worker made for a customer's suspension
 * and its termination, listed newest first and downloaded byte for byte as legal downloads them; another customer's
 * statement is 404 as if it did not exist.
 */
describe('the customer’s statements of reasons', () => {
  const env = testEnv();
  let app: INestApplication;
  let worker: INestApplicationContext;
  let db: DataSource;
  let a: StoredCustomer;
  let b: StoredCustomer;
  let asA: Http;
  let asB: Http;
  let legal: Http;
  let noticeId: string;
  let caseId: string;

  beforeAll(async () => {
    app = await createApp(new AppConfig(env));
    await app.init();
    db = app.get(DataSource);
    worker = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    a = await storeCustomer(db);
    b = await storeCustomer(db);
    asA = await authorizedHttp(app, 'customer', { customerId: a.customer.id });
    asB = await authorizedHttp(app, 'customer', { customerId: b.customer.id });
    legal = await authorizedHttp(app, 'legal');

    // A suspension: a person requested it, the worker sends the statement before the NOC's task opens.
    const { notice } = await storeNotice(db, { category: 'csam', ip: a.ip });
    noticeId = notice.id;
    await db.query(`UPDATE notices SET customer_id = $2, state = 'suspension_requested' WHERE id = $1`, [
      noticeId,
      a.customer.id,
    ]);
    await db.query(
      `INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
       VALUES ($1, 'suspension_requested', 'am@provider.example', 'Still online after the call', '{}', now(), $2)`,
      [noticeId, randomUUID()],
    );
    await worker.get(NotificationActivitiesService).openTask({
      noticeId,
      key: `${noticeId}:task:noc`,
      kind: 'noc_suspension',
      assignee: 'noc',
      dueAt: new Date(Date.now() + 3_600_000).toISOString(),
      summary: 'Suspend the server or port that serves the reported material, then confirm.',
    });
    // Then the termination: its formal notice carries the statement.
    caseId = randomUUID();
    await db.query(
      `INSERT INTO termination_cases (id, customer_id, status, opened_by, reason, workflow_id)
       VALUES ($1, $2, 'notice_period', 'desk:lead', 'missed CSAM deadlines after a final warning', $3)`,
      [caseId, a.customer.id, `termination-${caseId}`],
    );
    await worker.get(TerminationActivitiesService).sendTerminationLetter({
      caseId,
      key: `${caseId}:notice`,
      kind: 'notice',
      effectiveAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await app?.close();
  });

  it('lists the customer’s own statements newest first, and serves each as the same bytes legal gets', async () => {
    const list = (await asA.get('/v1/customer/statements').expect(200)).body as Listed[];
    expect(list.map((s) => [s.kind, s.caseId, s.noticeId])).toEqual([
      ['termination', caseId, null],
      ['suspension', null, noticeId],
    ]);
    expect(Date.parse(list[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(list[1].createdAt));

    const [termination, suspension] = list;
    const staff = (await legal.get(`/v1/terminations/${caseId}/statements`).expect(200)).body as {
      id: string;
      digest: string;
    }[];
    expect(staff.map((s) => [s.id, s.digest])).toEqual([[termination.id, termination.digest]]);
    const staffJson = await legal
      .get(`/v1/terminations/${caseId}/statements/${termination.id}/statement.json`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const ownJson = await asA.get(termination.json).buffer(true).parse(binary).expect(200);
    expect(ownJson.headers['content-type']).toMatch(/^application\/json/);
    expect((ownJson.body as Buffer).equals(staffJson.body as Buffer)).toBe(true);
    const staffPdf = await legal
      .get(`/v1/terminations/${caseId}/statements/${termination.id}/statement.pdf`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const ownPdf = await asA.get(termination.pdf).buffer(true).parse(binary).expect(200);
    expect(ownPdf.headers['content-type']).toBe('application/pdf');
    expect((ownPdf.body as Buffer).equals(staffPdf.body as Buffer)).toBe(true);
    // Handing one out is recorded, as legal's downloads are: who, which statement.
    const audited = (await db.query(
      `SELECT action, target_type FROM audit_log WHERE target_id = $1 AND action LIKE 'customer.%'
        ORDER BY id`,
      [termination.id],
    )) as { action: string; target_type: string }[];
    expect(audited.map((r) => [r.action, r.target_type])).toEqual([
      ['customer.statement.json', 'statement_of_reasons'],
      ['customer.statement.pdf', 'statement_of_reasons'],
    ]);

    const suspensionJson = await asA.get(suspension.json).buffer(true).parse(binary).expect(200);
    const statement = JSON.parse((suspensionJson.body as Buffer).toString('utf8')) as StatementOfReasons & {
      digest: { value: string };
    };
    expect(statement).toMatchObject({
      snapshotId: suspension.id,
      case: { id: noticeId },
      customer: { id: a.customer.id },
      restriction: { type: 'suspension' },
    });
    expect(statement.digest.value).toBe(suspension.digest);
    const [row] = (await db.query(`SELECT pdf FROM report_snapshots WHERE id = $1`, [suspension.id])) as {
      pdf: Buffer;
    }[];
    const suspensionPdf = await asA.get(suspension.pdf).buffer(true).parse(binary).expect(200);
    expect(
      createHash('sha256')
        .update(suspensionPdf.body as Buffer)
        .digest('hex'),
    ).toBe(createHash('sha256').update(row.pdf).digest('hex'));
  });

  it('answers another customer 404 for them, and lists none of them', async () => {
    const list = (await asA.get('/v1/customer/statements').expect(200)).body as Listed[];
    expect((await asB.get('/v1/customer/statements').expect(200)).body).toEqual([]);
    for (const s of list) {
      for (const file of [s.json, s.pdf]) {
        const res = await asB.get(file).expect(404);
        expect(res.body).toMatchObject({ code: 'STATEMENT.NOT_FOUND' });
        expect(JSON.stringify(res.body)).not.toContain(a.customer.name);
      }
    }
    // Naming the other customer does not make B it; an unknown id is as missing; a malformed one is a 400.
    await asB.get('/v1/customer/statements').query({ customerId: a.customer.id }).expect(404);
    await asA.get(`/v1/customer/statements/${randomUUID()}/statement.pdf`).expect(404);
    const bad = await asA.get('/v1/customer/statements/not-a-uuid/statement.json').expect(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST.INVALID' });
  });

  it('lets an admin (support) read a customer’s statements only by naming the customer', async () => {
    const admin = await authorizedHttp(app, 'admin');
    const missing = await admin.get('/v1/customer/statements').expect(400);
    expect(missing.body.message).toContain('customerId');
    const listed = await admin
      .get('/v1/customer/statements')
      .query({ customerId: a.customer.id })
      .expect(200);
    expect((listed.body as Listed[]).map((s) => s.kind)).toEqual(['termination', 'suspension']);
  });
});
