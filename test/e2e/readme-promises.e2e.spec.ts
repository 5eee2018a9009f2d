import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { startSystem, tokenFor, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { eventually } from '../support/eventually';

/**
 * What the README promises about reported URLs and access: a full URL sent anywhere in a request reaches neither the
 * request log nor an error body; who sees a CSAM URL in full is one rule; a denied read leaves an audit row.
 */
describe('README promises', () => {
  let system: RunningSystem;
  let db: DataSource;

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
  });
  afterAll(() => system?.stop());

  describe('a full URL in a request', () => {
    let logged: INestApplication;
    const lines: string[] = [];

    beforeAll(async () => {
      const log = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const env = testEnv({ TEMPORAL_TASK_QUEUE: `promises-${randomUUID()}`, LOG_LEVEL: 'info' });
      logged = await createApp(new AppConfig(env, log));
      await logged.init();
      logged.flushLogs();
    });
    afterAll(() => logged?.close());

    it('is in no request log line and no 4xx body, wherever the client put it', async () => {
      const secret = `gallery-${randomUUID()}`;
      const url = `https://files.tenant-a.example/${secret}/x.jpg?sig=abc`;
      const q = encodeURIComponent(url);
      const token = await tokenFor(logged, 'admin');
      const api = () => request.agent(logged.getHttpServer()).set('Authorization', `Bearer ${token}`);
      const answers = [
        await api().get(`/v1/notices?source=${q}`),
        await api().get(`/v1/notices?source=${url}`),
        await api().get(`/v1/attribution?ip=${q}`),
        await api().get(`/v1/attribution?ip=${q}&at=${q}`),
        await api().get(`/v1/customers?q=${q}&status=${q}`),
        await api().get(`/v1/audit?target=${q}&from=${q}`),
        await api().get(`/v1/tasks?assignee=${q}`),
        await api().get(`/v1/notices/${q}`),
        await api().get(`/v1/notices/${encodeURIComponent(secret)}%E0%A4%A`),
        await api().get(`/v1/no-such-route?u=${q}`),
        await api().delete(`/v1/notices?u=${q}`),
        await api().post('/v1/notices').type('json').send(`{"urls": ["${url}"`),
        await api().post('/v1/imports/inventory').type('json').send(`[{"customer_ref": "${url}`),
        await api()
          .post('/v1/notices')
          .send({ sourceReference: 'x', category: url, urls: [url], ip: url, [url]: 1 }),
        await api()
          .post('/v1/notices')
          .set('Content-Type', 'application/vnd.xarf+json')
          .send({ xarf_version: '4.0.0', category: url, source_identifier: url, url: `javascript:${url}` }),
        await api()
          .post('/v1/notices/batch')
          .send([{ urls: [url], category: url }]),
      ];
      // The two lists filtered by source answer 200 (empty), a batch 200 with each item's rejection; the rest 4xx.
      expect(answers.map((r) => r.status).filter((s) => s < 400 || s >= 500)).toEqual([200, 200, 200]);
      for (const res of answers) expect(res.text).not.toContain(secret);
      // Every refusal is in the project's one error shape.
      const refusals = answers.filter((r) => r.status >= 400);
      expect(refusals.map((r) => [r.body.statusCode, typeof r.body.code])).toEqual(
        refusals.map((r) => [r.status, 'string']),
      );
      const text = lines.join('');
      expect(text).toContain('/v1/attribution?ip=[redacted]');
      expect(text).toContain('"status":"[redacted]"');
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    });
  });

  describe('errors', () => {
    it('answers malformed JSON with the project’s error shape, naming the body, not the parser’s words', async () => {
      for (const route of ['/v1/notices', '/v1/imports/inventory']) {
        const res = await system.http.post(route).type('json').send('{"sourceReference": "x",').expect(400);
        expect(res.body).toEqual({
          statusCode: 400,
          code: 'REQUEST.MALFORMED',
          message: 'the body is not well-formed JSON',
          field: 'body',
        });
      }
    });

    it('answers 405 with Allow for a method a known path does not take, 404 for an unknown path', async () => {
      const put = await system.http.put('/v1/notices').send({}).expect(405);
      expect(put.headers.allow).toBe('GET, HEAD, POST');
      expect(put.body).toMatchObject({ statusCode: 405, code: 'REQUEST.METHOD_NOT_ALLOWED' });
      const del = await system.http.delete(`/v1/notices/${randomUUID()}`).expect(405);
      expect(del.headers.allow).toBe('GET, HEAD');
      const none = await system.http.get('/v1/nothing-here').expect(404);
      expect(none.body).toEqual({ statusCode: 404, code: 'ROUTE.NOT_FOUND', message: 'no such route' });
    });

    it('names every missing or bad X-ARF field in one answer', async () => {
      const res = await system.http
        .post('/v1/notices')
        .set('Content-Type', 'application/vnd.xarf+json')
        .send({ xarf_version: '4.0.0', category: 'gossip', url: 'javascript:alert(1)' })
        .expect(400);
      const fields = (res.body.fields as { field: string }[]).map((f) => f.field);
      expect(fields).toEqual(
        expect.arrayContaining(['report_id', 'timestamp', 'reporter', 'sender', 'category', 'type', 'url']),
      );
    });
  });

  describe('reads', () => {
    let mine: StoredCustomer;
    let theirs: StoredCustomer;
    let manager: Http;
    let csamOfMine: string;
    let csamOfTheirs: string;
    const secretPath = `/gallery/${randomUUID()}`;

    beforeAll(async () => {
      [mine, theirs] = [await storeCustomer(db), await storeCustomer(db)];
      manager = await system.as('account_manager', {
        accountManagerEmail: mine.customer.accountManagerEmail as string,
      });
      const submit = async (ip: string, n: number) =>
        (
          await system.http
            .post('/v1/notices')
            .send({
              source: { kind: 'hotline', name: 'Promises Hotline' },
              sourceReference: `promise-${randomUUID()}`,
              category: 'csam',
              urls: [`https://files.tenant-a.example${secretPath}/${n}`],
              ip,
            })
            .expect(201)
        ).body.id as string;
      [csamOfMine, csamOfTheirs] = [await submit(mine.ip, 1), await submit(theirs.ip, 2)];
      await eventually(
        () =>
          Promise.all(
            [csamOfMine, csamOfTheirs].map(async (id) => (await system.http.get(`/v1/notices/${id}`)).body),
          ),
        (notices) => notices.every((n) => n.customerId),
      );
    });

    it('shows an account manager a CSAM URL reduced to its host, as its emails do; the desk in full on reveal', async () => {
      const asManager = await manager.get(`/v1/notices/${csamOfMine}`).expect(200);
      expect(asManager.body.urls).toEqual(['https://files.tenant-a.example/[redacted]']);
      const listed = await manager.get(`/v1/notices?customer=${mine.customer.id}`).expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(secretPath);
      const desk = await system.as('abuse_desk');
      const asDesk = await desk.get(`/v1/notices/${csamOfMine}`).expect(200);
      expect(asDesk.body.urls).toEqual(['https://files.tenant-a.example/[redacted]']);
      const revealed = await desk.get(`/v1/notices/${csamOfMine}/urls`).expect(200);
      expect(revealed.body.urls).toEqual([`https://files.tenant-a.example${secretPath}/1`]);
    });

    const denials = async (targetId: string) =>
      (await db.query(
        `SELECT actor_kind, role, action, target_type, target_id, summary FROM audit_log
          WHERE action = 'access.denied' AND target_id = $1 ORDER BY id`,
        [targetId],
      )) as Record<string, unknown>[];

    it('records a scoped read of another customer’s notice as a denied access, and a missing one not', async () => {
      await manager.get(`/v1/notices/${csamOfTheirs}`).expect(404);
      expect(await denials(csamOfTheirs)).toEqual([
        {
          actor_kind: 'token',
          role: 'account_manager',
          action: 'access.denied',
          target_type: 'notice',
          target_id: csamOfTheirs,
          summary: { route: 'GET /v1/notices/:id', reason: 'scope', status: 404 },
        },
      ]);
      const missing = randomUUID();
      await manager.get(`/v1/notices/${missing}`).expect(404);
      expect(await denials(missing)).toEqual([]);
      // What the manager may read leaves no such row.
      await manager.get(`/v1/notices/${csamOfMine}`).expect(200);
      expect(await denials(csamOfMine)).toEqual([]);
    });

    it('records a route refused for the role as a denied access', async () => {
      await manager.post(`/v1/notices/${csamOfTheirs}/actions/escalate-now`).send({}).expect(403);
      expect(await denials(csamOfTheirs)).toContainEqual({
        actor_kind: 'token',
        role: 'account_manager',
        action: 'access.denied',
        target_type: 'notice',
        target_id: csamOfTheirs,
        summary: { route: 'POST /v1/notices/:id/actions/:action', reason: 'role', status: 403 },
      });
    });
  });
});
