import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { NoticeEntity } from '@takedown/persistence';
import { authorizedHttp, type Http } from '../support/api';
import { testEnv } from '../support/env';
import { testSpace, type TestSpace } from '../support/prefixes';

/** Customers, prefixes and attribution through HTTP, on real PostgreSQL. */
describe('customers, prefixes and attribution API', () => {
  let app: INestApplication;
  let http: Http;
  let space: TestSpace;

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    http = await authorizedHttp(app);
  });
  afterAll(() => app?.close());
  beforeEach(() => (space = testSpace()));

  const body = (name: string, extra: Record<string, unknown> = {}) => ({
    reference: space.ref(name),
    name: `Tenant ${name}`,
    contractType: 'colocation',
    abuseContacts: [{ email: `Abuse@${name}.example`, aroundTheClock: true }],
    ...extra,
  });
  const create = async (name: string, extra: Record<string, unknown> = {}) =>
    (await http.post('/v1/customers').send(body(name, extra)).expect(201)).body;

  it('creates a customer with contacts, measures and contract, and reads it back with prefixes', async () => {
    const created = await create('full', {
      language: 'nl',
      accountManager: { name: 'Anne Jansen', email: 'am.jansen@provider.example' },
      preventiveMeasures: [{ kind: 'hash_check_uploads', verifiedAt: '2026-03-01T10:00:00Z' }],
      contract: {
        startsOn: '2024-01-01',
        noticePeriodDays: 30,
        immediateTerminationForIllegalContent: true,
        policyProfile: 'default',
      },
    });
    expect(created).toMatchObject({
      reference: space.ref('full'),
      status: 'active',
      language: 'nl',
      accountManager: { name: 'Anne Jansen', email: 'am.jansen@provider.example' },
      abuseContacts: [{ email: 'abuse@full.example', aroundTheClock: true }],
      preventiveMeasures: [{ kind: 'hash_check_uploads', verifiedAt: '2026-03-01T10:00:00.000Z' }],
      contract: { startsOn: '2024-01-01', noticePeriodDays: 30, immediateTerminationForIllegalContent: true },
      prefixes: [],
      openNotices: 0,
    });

    await http
      .post(`/v1/customers/${created.id}/prefixes`)
      .send({ cidr: `${space.v4()}/24` })
      .expect(201);
    await http
      .post(`/v1/customers/${created.id}/prefixes`)
      .send({ cidr: `${space.v6}::/48` })
      .expect(201);
    const read = await http.get(`/v1/customers/${created.id}`).expect(200);
    expect(read.body.prefixes.map((p: { cidr: string }) => p.cidr).sort()).toEqual(
      [`${space.v4()}/24`, `${space.v6}::/48`].sort(),
    );
    expect(read.body.prefixes.every((p: { current: boolean }) => p.current)).toBe(true);
  });

  it('keeps the time zone deadlines are written in, Amsterdam unless told, and refuses an unknown zone', async () => {
    expect((await create('zoneless')).timeZone).toBe('Europe/Amsterdam');
    const ny = await create('new-york', { timeZone: 'America/New_York' });
    expect(ny.timeZone).toBe('America/New_York');
    const bad = await http
      .patch(`/v1/customers/${ny.id}`)
      .send({ timeZone: 'Mars/Olympus_Mons' })
      .expect(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual(['timeZone']);
    expect((await http.get(`/v1/customers/${ny.id}`).expect(200)).body.timeZone).toBe('America/New_York');
  });

  it('lists customers with a search and a status filter', async () => {
    const created = await create('listed');
    const found = await http
      .get('/v1/customers')
      .query({ q: space.ref('listed'), status: 'active' })
      .expect(200);
    expect(found.body).toMatchObject({ total: 1, items: [{ id: created.id }] });
    const none = await http
      .get('/v1/customers')
      .query({ q: space.ref('listed'), status: 'terminated' })
      .expect(200);
    expect(none.body.total).toBe(0);
    await http.get('/v1/customers').query({ limit: 5000 }).expect(400);
  });

  it('changes a customer, replaces its contacts, and never its reference', async () => {
    const created = await create('patched');
    const patched = await http
      .patch(`/v1/customers/${created.id}`)
      .send({ status: 'suspended', abuseContacts: [{ email: 'noc@patched.example' }] })
      .expect(200);
    expect(patched.body).toMatchObject({
      status: 'suspended',
      abuseContacts: [{ email: 'noc@patched.example', aroundTheClock: false }],
    });
    const refused = await http.patch(`/v1/customers/${created.id}`).send({ reference: 'X-1' }).expect(400);
    expect(refused.body.fields.map((f: { field: string }) => f.field)).toEqual(['reference']);
    await http.patch(`/v1/customers/${randomUUID()}`).send({ status: 'active' }).expect(404);
  });

  it('answers 400 naming the field for bad customer input, and 409 for a taken reference', async () => {
    const res = await http
      .post('/v1/customers')
      .send(body('bad', { contractType: 'hosting', abuseContacts: [], language: 'de' }))
      .expect(400);
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'abuseContacts',
      'contractType',
      'language',
    ]);
    await create('taken');
    const taken = await http.post('/v1/customers').send(body('taken')).expect(409);
    expect(taken.body).toMatchObject({ code: 'CUSTOMER.ALREADY_EXISTS', field: 'reference' });
    await http.get('/v1/customers/not-a-uuid').expect(400);
    await http.get(`/v1/customers/${randomUUID()}`).expect(404);
  });

  it('answers 400 naming contract.startsOn for a day the calendar does not have (fuzz run 9)', async () => {
    const contract = (startsOn: string) => ({
      contract: {
        startsOn,
        noticePeriodDays: 30,
        immediateTerminationForIllegalContent: true,
        policyProfile: 'default',
      },
    });
    for (const startsOn of ['0000-01-01', '2023-02-29', '2024-13-01', '2024-01-01T00:00:00Z']) {
      const res = await http.post('/v1/customers').send(body('day', contract(startsOn)));
      expect({ startsOn, status: res.status, fields: res.body.fields }).toEqual({
        startsOn,
        status: 400,
        fields: [
          { field: 'contract.startsOn', problems: ['startsOn must be a calendar date like 2026-03-01'] },
        ],
      });
    }
    await http
      .post('/v1/customers')
      .send(body('leap', contract('2024-02-29')))
      .expect(201);
  });

  it('links an end customer to its reseller and refuses unknown parents and loops', async () => {
    const reseller = await create('reseller', { contractType: 'reseller' });
    const end = await create('end', { contractType: 'unmanaged', parentId: reseller.id });
    expect(end.parentId).toBe(reseller.id);
    const unknown = await http
      .post('/v1/customers')
      .send(body('orphan', { parentId: randomUUID() }))
      .expect(400);
    expect(unknown.body).toMatchObject({ code: 'CUSTOMER.UNKNOWN_PARENT', field: 'parentId' });
    const loop = await http.patch(`/v1/customers/${reseller.id}`).send({ parentId: end.id }).expect(400);
    expect(loop.body).toMatchObject({ code: 'CUSTOMER.PARENT_CYCLE', field: 'parentId' });
  });

  it('answers 400 naming the field for a malformed prefix, host bits, or a period that ends before it starts', async () => {
    const c = await create('prefix-errors');
    const post = (payload: object) => http.post(`/v1/customers/${c.id}/prefixes`).send(payload).expect(400);
    expect((await post({ cidr: '10.0.0.999/8' })).body).toMatchObject({
      code: 'CIDR.INVALID',
      field: 'cidr',
    });
    expect((await post({ cidr: '10.0.0.1/8' })).body).toMatchObject({
      code: 'CIDR.HOST_BITS_SET',
      field: 'cidr',
    });
    expect(
      (
        await post({
          cidr: `${space.v4()}/24`,
          validFrom: '2026-01-01T00:00:00Z',
          validTo: '2025-01-01T00:00:00Z',
        })
      ).body,
    ).toMatchObject({ code: 'PREFIX.INVALID_PERIOD', field: 'validTo' });
    expect((await post({ cidr: `${space.v4()}/24`, validFrom: 'yesterday' })).body.fields[0].field).toBe(
      'validFrom',
    );
    await http
      .post(`/v1/customers/${randomUUID()}/prefixes`)
      .send({ cidr: `${space.v4()}/24` })
      .expect(404);
  });

  it('answers 409 for a prefix identical to an active assignment, and accepts it once that has ended', async () => {
    const first = await create('first');
    const second = await create('second');
    const cidr = `${space.v4(128)}/25`;
    const assigned = await http
      .post(`/v1/customers/${first.id}/prefixes`)
      .send({ cidr, validFrom: '2025-01-01T00:00:00Z' })
      .expect(201);
    const conflict = await http.post(`/v1/customers/${second.id}/prefixes`).send({ cidr }).expect(409);
    expect(conflict.body).toMatchObject({ code: 'PREFIX.OVERLAP', field: 'cidr' });

    const ended = await http
      .delete(`/v1/customers/${first.id}/prefixes/${assigned.body.id}`)
      .query({ validTo: '2026-02-01T00:00:00Z' })
      .expect(200);
    expect(ended.body).toMatchObject({ validTo: '2026-02-01T00:00:00.000Z', current: false });
    await http.delete(`/v1/customers/${first.id}/prefixes/${assigned.body.id}`).expect(409);
    await http.delete(`/v1/customers/${second.id}/prefixes/${assigned.body.id}`).expect(404);
    await http
      .post(`/v1/customers/${second.id}/prefixes`)
      .send({ cidr, validFrom: '2026-02-01T00:00:00Z' })
      .expect(201);

    const ip = space.v4(200);
    const before = await http.get('/v1/attribution').query({ ip, at: '2026-01-31T23:59:59Z' }).expect(200);
    expect(before.body.customer.id).toBe(first.id);
    const after = await http.get('/v1/attribution').query({ ip, at: '2026-02-01T00:00:00Z' }).expect(200);
    expect(after.body.customer.id).toBe(second.id);
    const history = await http.get(`/v1/customers/${first.id}`).expect(200);
    expect(history.body.prefixes).toEqual([expect.objectContaining({ cidr, current: false })]);
  });

  it('attributes through the API with the containing chain, and 400s a hostname or a bad time', async () => {
    const reseller = await create('api-reseller', { contractType: 'reseller' });
    const end = await create('api-end', { contractType: 'unmanaged', parentId: reseller.id });
    await http
      .post(`/v1/customers/${reseller.id}/prefixes`)
      .send({ cidr: `${space.v4()}/24` })
      .expect(201);
    await http
      .post(`/v1/customers/${end.id}/prefixes`)
      .send({ cidr: `${space.v4(64)}/26` })
      .expect(201);

    const res = await http
      .get('/v1/attribution')
      .query({ ip: space.v4(70) })
      .expect(200);
    expect(res.body).toMatchObject({
      status: 'attributed',
      ip: space.v4(70),
      customer: { id: end.id, reference: space.ref('api-end'), contractType: 'unmanaged' },
      prefix: { cidr: `${space.v4(64)}/26` },
    });
    expect(res.body.chain.map((l: { customer: { id: string } }) => l.customer.id)).toEqual([
      end.id,
      reseller.id,
    ]);

    const nobody = await http
      .get('/v1/attribution')
      .query({ ip: `${space.v6}::1` })
      .expect(200);
    expect(nobody.body).toMatchObject({ status: 'unattributed', customer: null, chain: [] });
    const hostname = await http.get('/v1/attribution').query({ ip: 'files.tenant-a.example' }).expect(400);
    expect(hostname.body).toMatchObject({ code: 'IP.INVALID', field: 'ip' });
    const badTime = await http
      .get('/v1/attribution')
      .query({ ip: space.v4(70), at: 'noon' })
      .expect(400);
    expect(badTime.body.fields[0].field).toBe('at');
    await http.get('/v1/attribution').expect(400);
  });

  it('counts a customer’s open notices by attributing their IPs at the time they were received', async () => {
    const reseller = await create('notices-reseller');
    const end = await create('notices-end');
    await http
      .post(`/v1/customers/${reseller.id}/prefixes`)
      .send({ cidr: `${space.v4()}/24` })
      .expect(201);
    await http
      .post(`/v1/customers/${end.id}/prefixes`)
      .send({ cidr: `${space.v4(64)}/26` })
      .expect(201);
    const notices = app.get(DataSource).getRepository(NoticeEntity);
    // The workflow attributes a notice and stores its customer; these rows are as it leaves them.
    const notice = (ip: string, state: 'received' | 'closed', customerId: string) => {
      const id = randomUUID();
      return notices.save({
        id,
        sourceKind: 'hotline' as const,
        sourceName: 'Example Hotline',
        sourceReference: `customers-api-${id}`,
        category: 'phishing' as const,
        urls: ['https://files.tenant-a.example/x'],
        ip,
        customerId,
        receivedAt: new Date(),
        state,
        policyId: 'test',
        policyVersion: 1,
        workflowId: `notice-${id}`,
        hashes: {},
      });
    };
    await notice(space.v4(70), 'received', end.id);
    await notice(space.v4(71), 'received', end.id);
    await notice(space.v4(72), 'closed', end.id);
    await notice(space.v4(10), 'received', reseller.id);
    expect((await http.get(`/v1/customers/${end.id}`).expect(200)).body.openNotices).toBe(2);
    expect((await http.get(`/v1/customers/${reseller.id}`).expect(200)).body.openNotices).toBe(1);
  });

  it('documents every customer, attribution and import route with its error responses', async () => {
    const doc = (await http.get('/docs-json').expect(200)).body;
    expect(doc.paths['/v1/customers'].post.responses).toHaveProperty('409');
    expect(doc.paths['/v1/customers/{id}'].get.responses).toHaveProperty('404');
    expect(doc.paths['/v1/customers/{id}'].patch.responses).toHaveProperty('400');
    expect(doc.paths['/v1/customers/{id}/prefixes'].post.responses).toHaveProperty('409');
    expect(doc.paths['/v1/customers/{id}/prefixes/{prefixId}'].delete.responses).toHaveProperty('409');
    expect(
      doc.paths['/v1/attribution'].get.responses['200'].content['application/json'].examples,
    ).toHaveProperty('attributed');
    expect(doc.paths['/v1/imports/inventory'].post.responses).toHaveProperty('400');
  });
});
