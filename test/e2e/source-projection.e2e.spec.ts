import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

/**
 * A source that reports one URL of another source's open notice joins it, and learns no more than a source that opened
 * a notice of its own: the answer is a 201 like a create's, with the same shape, and what it reads of the notice (the
 * intake answer, GET /v1/notices/:id, the list and its search) is its own report only: never the other URLs, the
 * other reporter's name or reference, desk notes or a dispute's reason.
 */
describe('what a source reads of a notice it joined', () => {
  let system: RunningSystem;
  let customer: StoredCustomer;
  let sourceA: Http;
  let sourceB: Http;
  const a = { kind: 'hotline', name: `Hotline A ${randomUUID()}` };
  const b = { kind: 'trusted_flagger', name: `Flagger B ${randomUUID()}` };
  const tag = randomUUID();
  const u1 = `https://files.tenant.example/shared/${tag}/one.html`;
  const u2 = `https://files.tenant.example/private-${tag}/two.html`;
  const refA = `a-ref-${tag}`;
  const note = `desk note ${tag}`;
  const dispute = `the customer disputes ${tag}`;

  beforeAll(async () => {
    system = await startSystem();
    customer = await storeCustomer(system.app.get(DataSource));
    sourceA = await system.as('source', { source: a });
    sourceB = await system.as('source', { source: b });
  });
  afterAll(() => system?.stop());

  /** Nothing of A's report, the desk's note or the dispute in what B was told. */
  const tellsNothingOfA = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const secret of [u2, a.name, refA, note, dispute, 'desk@hotline-a.example', customer.customer.id])
      expect(text).not.toContain(secret);
  };

  it('answers the join with 201 and its own view, then reads only its own report, URL and the outcome', async () => {
    const opened = await sourceA
      .post('/v1/notices')
      .send({
        source: { ...a, contact: 'desk@hotline-a.example' },
        sourceReference: refA,
        category: 'phishing',
        urls: [u1, u2],
        ip: customer.ip,
        description: `seen by A ${tag}`,
      })
      .expect(201);
    const id = opened.body.id as string;
    // The customer was told, disputed with a reason, and the desk wrote a note.
    await eventually(
      async () => (await system.http.get(`/v1/notices/${id}`).expect(200)).body.state,
      (state) => state === 'customer_notified',
    );
    await system.http
      .post(`/v1/notices/${id}/actions/customer-response`)
      .send({ kind: 'dispute', reason: dispute })
      .expect(200);
    await system.http.post(`/v1/notices/${id}/actions/add-note`).send({ reason: note }).expect(200);
    const desk = (await system.http.get(`/v1/notices/${id}`).expect(200)).body;
    expect(JSON.stringify(desk.timeline)).toContain(dispute);

    const refB = `b-ref-${tag}`;
    const joined = await sourceB
      .post('/v1/notices')
      .send({ sourceReference: refB, category: 'phishing', urls: [u1] })
      .expect(201);
    expect(joined.body).toMatchObject({
      id,
      source: b,
      sourceReference: refB,
      urls: [u1],
      reports: [expect.objectContaining({ name: b.name, sourceReference: refB })],
    });
    tellsNothingOfA(joined.body);

    // A notice B opens on its own is answered with exactly the same shape.
    const own = await sourceB
      .post('/v1/notices')
      .send({
        sourceReference: `b-own-${tag}`,
        category: 'phishing',
        urls: [`https://elsewhere.example/${tag}`],
      })
      .expect(201);
    expect(Object.keys(joined.body).sort()).toEqual(Object.keys(own.body).sort());

    const read = await sourceB.get(`/v1/notices/${id}`).expect(200);
    expect(read.body).toMatchObject({ id, urls: [u1], sourceReference: refB, state: desk.state });
    expect(read.body).not.toHaveProperty('timeline');
    expect(read.body).not.toHaveProperty('pendingTasks');
    tellsNothingOfA(read.body);

    const list = await sourceB.get('/v1/notices').query({ limit: 200 }).expect(200);
    expect(list.body.items.map((n: { id: string }) => n.id).sort()).toEqual([id, own.body.id].sort());
    tellsNothingOfA(list.body);
    // Neither A's name as a filter nor a fragment of A's other URL finds the notice; B's own URL does.
    expect((await sourceB.get('/v1/notices').query({ source: a.name }).expect(200)).body.total).toBe(0);
    expect(
      (
        await sourceB
          .get('/v1/notices')
          .query({ q: `private-${tag}` })
          .expect(200)
      ).body.total,
    ).toBe(0);
    const byOwnUrl = await sourceB
      .get('/v1/notices')
      .query({ q: `shared/${tag}` })
      .expect(200);
    expect(byOwnUrl.body.items.map((n: { id: string }) => n.id)).toEqual([id]);

    // The same report again is the same report (200), still its own view.
    const again = await sourceB
      .post('/v1/notices')
      .send({ sourceReference: refB, category: 'phishing', urls: [u1] })
      .expect(200);
    tellsNothingOfA(again.body);

    // A still reads its own notice with both its URLs; the desk sees both reports.
    expect((await sourceA.get(`/v1/notices/${id}`).expect(200)).body.urls).toEqual([u1, u2]);
    const both = (await system.http.get(`/v1/notices/${id}`).expect(200)).body;
    expect(both.reports.map((r: { name: string }) => r.name)).toEqual([a.name, b.name]);
  });

  it('answers a join through the batch and the hotline push as a new report too, a repeat as existing', async () => {
    const known = `https://files.tenant.example/known-${randomUUID()}/x.html`;
    await sourceA
      .post('/v1/notices')
      .send({ sourceReference: `a-${randomUUID()}`, category: 'phishing', urls: [known], ip: customer.ip })
      .expect(201);
    const c = { kind: 'hotline', name: `Hotline C ${randomUUID()}` };
    const sourceC = await system.as('source', { source: c });
    const item = { source: c, sourceReference: `c-${randomUUID()}`, category: 'phishing', urls: [known] };
    const batch = await sourceC.post('/v1/notices/batch').send([item]).expect(200);
    expect(batch.body).toMatchObject({ created: 1, existing: 0 });
    expect(batch.body.items[0].status).toBe('created');
    const repeat = await sourceC.post('/v1/notices/batch').send([item]).expect(200);
    expect(repeat.body.items[0].status).toBe('existing');

    const pushed = `http://${customer.ip}/known-${randomUUID()}/y.jpg`;
    await sourceA
      .post('/v1/notices')
      .send({ sourceReference: `a-${randomUUID()}`, category: 'csam', urls: [pushed], ip: customer.ip })
      .expect(201);
    const push = { fileNumber: `c-${randomUUID().slice(0, 8)}`, urls: [{ url: pushed, ip: customer.ip }] };
    const first = await sourceC.post('/v1/intake/hotline').send(push).expect(200);
    expect(first.body).toMatchObject({ created: 1, existing: 0 });
    const second = await sourceC.post('/v1/intake/hotline').send(push).expect(200);
    expect(second.body).toMatchObject({ created: 0, existing: 1 });
  });
});
