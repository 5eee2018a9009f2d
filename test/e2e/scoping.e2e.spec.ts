import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

const samples = path.join(__dirname, '..', 'fixtures', 'samples');

const notice = (ip: string, source?: { kind: string; name: string }) => {
  const ref = `scope-${randomUUID()}`;
  return {
    ...(source ? { source } : {}),
    sourceReference: ref,
    category: 'phishing',
    urls: [`https://login.tenant-b.example/${ref}`],
    ip,
  };
};

/**
 * What an account manager and a source see: an account manager its own customers and their notices, a source its
 * own notices, which it cannot submit under another source's name. Others' single resources answer 404, so that
 * their existence is not told.
 */
describe('account manager and source scoping', () => {
  let system: RunningSystem;
  let db: DataSource;
  let mine: StoredCustomer;
  let theirs: StoredCustomer;
  let manager: Http;
  let hotline: Http;
  let otherHotline: Http;
  const hotlineSource = { kind: 'hotline', name: `Hotline ${randomUUID()}` };
  const otherSource = { kind: 'trusted_flagger', name: `Flagger ${randomUUID()}` };

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    [mine, theirs] = [await storeCustomer(db), await storeCustomer(db)];
    manager = await system.as('account_manager', {
      accountManagerEmail: mine.customer.accountManagerEmail as string,
    });
    hotline = await system.as('source', { source: hotlineSource });
    otherHotline = await system.as('source', { source: otherSource });
  });
  afterAll(() => system?.stop());

  /** The notice workflows attribute by IP: wait until they have. */
  const attributed = (...ids: string[]) =>
    eventually(
      () => Promise.all(ids.map(async (id) => (await system.http.get(`/v1/notices/${id}`)).body.customerId)),
      (customers) => customers.every(Boolean),
    );

  describe('a source', () => {
    it('submits as itself whatever the body says, and may leave the source out', async () => {
      const posing = await hotline.post('/v1/notices').send(notice(mine.ip, otherSource)).expect(201);
      expect(posing.body.source).toEqual(hotlineSource);
      const bare = await hotline.post('/v1/notices').send(notice(theirs.ip)).expect(201);
      expect(bare.body.source).toEqual(hotlineSource);
      // The contact it gives is kept: feedback goes there.
      const withContact = await hotline
        .post('/v1/notices')
        .send(notice(mine.ip, { ...otherSource, contact: 'desk@hotline.example' } as never))
        .expect(201);
      const [row] = (await db.query(`SELECT source_name, source_contact FROM notices WHERE id = $1`, [
        withContact.body.id,
      ])) as { source_name: string; source_contact: string }[];
      expect(row).toEqual({ source_name: hotlineSource.name, source_contact: 'desk@hotline.example' });
    });

    it('submits a batch and an X-ARF report as itself too', async () => {
      const batch = await hotline
        .post('/v1/notices/batch')
        .send([notice(mine.ip, otherSource), notice(mine.ip)])
        .expect(200);
      expect(batch.body).toMatchObject({ created: 2, rejected: 0 });
      const sources = (await db.query(
        `SELECT DISTINCT source_kind, source_name FROM notices WHERE id = ANY($1)`,
        [batch.body.items.map((i: { id: string }) => i.id)],
      )) as { source_kind: string; source_name: string }[];
      expect(sources).toEqual([{ source_kind: hotlineSource.kind, source_name: hotlineSource.name }]);

      const id = randomUUID();
      const xarf = await hotline
        .post('/v1/notices')
        .set('Content-Type', 'application/vnd.xarf+json')
        .send({
          ...(JSON.parse(fs.readFileSync(path.join(samples, 'xarf-csam.json'), 'utf8')) as object),
          report_id: `xarf-${id}`,
          url: `https://files.tenant-a.example/gallery/${id}`,
          source_identifier: mine.ip,
        })
        .expect(201);
      expect(xarf.body.source).toEqual(hotlineSource);
    });

    it('reads its own notices only: the list is filtered, another’s notice is 404', async () => {
      // A source of its own: the count below does not depend on what the other tests submitted.
      const reader = { kind: 'hotline', name: `Reader ${randomUUID()}` };
      const readerHttp = await system.as('source', { source: reader });
      const own = await readerHttp.post('/v1/notices').send(notice(mine.ip)).expect(201);
      const ownToo = await readerHttp.post('/v1/notices').send(notice(theirs.ip)).expect(201);
      const foreign = await otherHotline.post('/v1/notices').send(notice(mine.ip)).expect(201);
      await readerHttp.get(`/v1/notices/${own.body.id}`).expect(200);
      const hidden = await readerHttp.get(`/v1/notices/${foreign.body.id}`).expect(404);
      expect(hidden.body.code).toBe('NOTICE.NOT_FOUND');
      const list = await readerHttp.get('/v1/notices').query({ limit: 200 }).expect(200);
      const ids = list.body.items.map((n: { id: string }) => n.id);
      expect([...ids].sort()).toEqual([own.body.id, ownToo.body.id].sort());
      expect(ids).not.toContain(foreign.body.id);
      expect(list.body.total).toBe(2);
      expect(list.body.items.every((n: { source: unknown }) => isEqual(n.source, reader))).toBe(true);
      const asOther = await readerHttp.get('/v1/notices').query({ source: otherSource.name }).expect(200);
      expect(asOther.body.total).toBe(0);
      // The desk sees both.
      await system.http.get(`/v1/notices/${foreign.body.id}`).expect(200);
    });

    it('sees a notice it joined by reporting the same URL, with its own report only (a join answers 201)', async () => {
      const first = notice(mine.ip);
      const opened = await otherHotline.post('/v1/notices').send(first).expect(201);
      const joined = await hotline
        .post('/v1/notices')
        .send({ ...first, sourceReference: `scope-${randomUUID()}` })
        .expect(201);
      expect(joined.body.id).toBe(opened.body.id);
      const seen = await hotline.get(`/v1/notices/${opened.body.id}`).expect(200);
      expect(seen.body.reports.map((r: { name: string }) => r.name)).toEqual([hotlineSource.name]);
      expect(joined.body.reports.map((r: { name: string }) => r.name)).toEqual([hotlineSource.name]);
      const desk = await system.http.get(`/v1/notices/${opened.body.id}`).expect(200);
      expect(desk.body.reports).toHaveLength(2);
    });

    it('may not act on notices, triage them or read customers (403)', async () => {
      const own = await hotline.post('/v1/notices').send(notice(mine.ip)).expect(201);
      await hotline
        .post(`/v1/notices/${own.body.id}/actions/add-note`)
        .send({ by: 'hotline', reason: 'x' })
        .expect(403);
      await hotline.get('/v1/customers').expect(403);
      await hotline.get('/v1/tasks').expect(403);
    });
  });

  describe('an account manager', () => {
    it('lists and reads its own customers only; another’s customer and standing are 404', async () => {
      const list = await manager.get('/v1/customers').query({ limit: 500 }).expect(200);
      expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([mine.customer.id]);
      expect(list.body.total).toBe(1);
      await manager.get(`/v1/customers/${mine.customer.id}`).expect(200);
      expect((await manager.get(`/v1/customers/${theirs.customer.id}`).expect(404)).body.code).toBe(
        'CUSTOMER.NOT_FOUND',
      );
      await manager.get(`/v1/customers/${mine.customer.id}/standing`).expect(200);
      await manager.get(`/v1/customers/${theirs.customer.id}/standing`).expect(404);
    });

    it('reads the notices of its customers only, once attributed', async () => {
      const ours = await system.http.post('/v1/notices').send(notice(mine.ip, hotlineSource)).expect(201);
      const other = await system.http.post('/v1/notices').send(notice(theirs.ip, hotlineSource)).expect(201);
      await attributed(ours.body.id, other.body.id);
      await manager.get(`/v1/notices/${ours.body.id}`).expect(200);
      await manager.get(`/v1/notices/${other.body.id}`).expect(404);
      const list = await manager.get('/v1/notices').query({ limit: 200 }).expect(200);
      const ids = list.body.items.map((n: { id: string }) => n.id);
      expect(ids).toContain(ours.body.id);
      expect(list.body.items.every((n: { customerId: string }) => n.customerId === mine.customer.id)).toBe(
        true,
      );
      // Asking for another's customer by filter finds nothing either.
      const filtered = await manager.get('/v1/notices').query({ customer: theirs.customer.id }).expect(200);
      expect(filtered.body.total).toBe(0);
    });

    it('sees and completes tasks about its customers only; a task of another role is 403', async () => {
      const ours = await system.http.post('/v1/notices').send(notice(mine.ip, hotlineSource)).expect(201);
      const other = await system.http.post('/v1/notices').send(notice(theirs.ip, hotlineSource)).expect(201);
      await attributed(ours.body.id, other.body.id);
      const task = async (noticeId: string, assignee: string, email: string) =>
        (
          (await db.query(
            `INSERT INTO tasks (notice_id, kind, assignee, assignee_email, summary, due_at, idempotency_key)
             VALUES ($1, $2, $3, $4, 'scoping test', now() + interval '1 hour', $5) RETURNING id`,
            [
              noticeId,
              assignee === 'noc' ? 'noc_suspension' : 'account_manager_escalation',
              assignee,
              email,
              randomUUID(),
            ],
          )) as { id: string }[]
        )[0].id;
      const mineTask = await task(
        ours.body.id,
        'account_manager',
        mine.customer.accountManagerEmail as string,
      );
      const theirTask = await task(
        other.body.id,
        'account_manager',
        theirs.customer.accountManagerEmail as string,
      );
      const nocTask = await task(ours.body.id, 'noc', 'noc@provider.example');

      await manager.get(`/v1/tasks/${mineTask}`).expect(200);
      await manager.get(`/v1/tasks/${theirTask}`).expect(404);
      const listed = await manager.get('/v1/tasks').query({ limit: 200 }).expect(200);
      const ids = listed.body.items.map((t: { id: string }) => t.id);
      expect(ids).toEqual(expect.arrayContaining([mineTask, nocTask]));
      expect(ids).not.toContain(theirTask);

      await manager
        .post(`/v1/tasks/${theirTask}/complete`)
        .send({ outcome: 'acknowledged', by: 'am' })
        .expect(404);
      const wrongRole = await manager
        .post(`/v1/tasks/${nocTask}/complete`)
        .send({ outcome: 'suspended', by: 'am' })
        .expect(403);
      expect(wrongRole.body.code).toBe('TASK.FORBIDDEN');
      const noc = await system.as('noc');
      const notNoc = await noc
        .post(`/v1/tasks/${mineTask}/complete`)
        .send({ outcome: 'acknowledged', by: 'noc' });
      expect(notNoc.status).toBe(403);
      await manager
        .post(`/v1/tasks/${mineTask}/complete`)
        .send({ outcome: 'acknowledged', by: 'am' })
        .expect(200);
    });
  });
});

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
