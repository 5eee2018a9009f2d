import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { setCustomerWebhook } from '@takedown/persistence';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { customerTokenRoutes, notified as whenNotified, submitFor } from '../support/portal-session';
import { storeSuspensionStatement } from '../support/statements';

/**
 * The customer's own API: a customer token reads and answers its own customer's notices, and customer B's token
 * never sees or acts on customer A's (404, nothing of A's in the answer), on every customer route.
 */
describe('the customer API (/v1/customer)', () => {
  let system: RunningSystem;
  let db: DataSource;
  let a: StoredCustomer;
  let b: StoredCustomer;
  let asA: Http;
  let asB: Http;
  let adminOfB: Http;

  const submit = (ip: string, category = 'phishing') => submitFor(system.http, ip, { category });
  const notified = (id: string) => whenNotified(system.http, id);

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    [a, b] = [await storeCustomer(db), await storeCustomer(db)];
    asA = await system.as('customer', { customerId: a.customer.id });
    asB = await system.as('customer', { customerId: b.customer.id });
    adminOfB = await system.as('customer', { customerId: b.customer.id, customerAdmin: true });
  });
  afterAll(() => system?.stop());

  it('lists the customer’s own notices with the full URL, the deadline and what is asked', async () => {
    const mine = await submit(a.ip, 'csam');
    const theirs = await submit(b.ip);
    await Promise.all([notified(mine.id), notified(theirs.id)]);
    const list = await asA.get('/v1/customer/notices').query({ status: 'open', limit: 200 }).expect(200);
    const ids = (list.body.items as { id: string }[]).map((n) => n.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    const item = (list.body.items as Record<string, unknown>[]).find((n) => n.id === mine.id)!;
    // CSAM too: the customer must find the material to remove it.
    expect(item).toMatchObject({
      urls: [mine.url],
      state: 'customer_notified',
      answers: ['removed', 'dispute'],
    });
    expect(Date.parse(item.deadline as string)).toBeGreaterThan(Date.now());
    expect(item.asked).toContain('Remove the material');
    expect(item).not.toHaveProperty('source');
    const one = await asA.get(`/v1/customer/notices/${mine.id}`).expect(200);
    expect(one.body.timeline.map((e: { type: string }) => e.type)).toContain('customer_notified');
  });

  it('takes a removal claim through the notice workflow, and refuses a second one with 409 and the state', async () => {
    const n = await submit(a.ip);
    await notified(n.id);
    const answered = await asA
      .post(`/v1/customer/notices/${n.id}/answer`)
      .send({ kind: 'removed' })
      .expect(200);
    expect(answered.body.state).toBe('awaiting_confirmation');
    expect(answered.body.timeline.map((e: { type: string }) => e.type)).toContain('removal_claimed');
    const again = await asA.post(`/v1/customer/notices/${n.id}/answer`).send({ kind: 'removed' }).expect(409);
    expect(again.body).toMatchObject({ code: 'NOTICE.ALREADY_CLAIMED', state: 'awaiting_confirmation' });
    const bare = await asA.post(`/v1/customer/notices/${n.id}/answer`).send({ kind: 'dispute' }).expect(400);
    expect(bare.body).toMatchObject({ code: 'REQUEST.INVALID' });
    expect(JSON.stringify(bare.body)).toContain('reason');
  });

  it('takes an answer sent again with the same Idempotency-Key once (200, not 409); the key is the caller’s own', async () => {
    const [n, m] = [await submit(a.ip), await submit(a.ip)];
    await Promise.all([notified(n.id), notified(m.id)]);
    const key = `retry-${randomUUID()}`;
    const answer = (as: Http) =>
      as.post(`/v1/customer/notices/${n.id}/answer`).set('Idempotency-Key', key).send({ kind: 'removed' });
    const first = await answer(asA).expect(200);
    const again = await answer(asA).expect(200);
    expect(again.body.state).toBe('awaiting_confirmation');
    const claims = (body: { timeline: { type: string }[] }) =>
      body.timeline.filter((e) => e.type === 'removal_claimed').length;
    expect([claims(first.body), claims(again.body)]).toEqual([1, 1]);
    // Another user of the same customer with the same key asks anew: the workflow refuses a second claim.
    const colleague = await system.as('customer', { customerId: a.customer.id });
    const theirs = await answer(colleague).expect(409);
    expect(theirs.body).toMatchObject({ code: 'NOTICE.ALREADY_CLAIMED', state: 'awaiting_confirmation' });
    const bad = await asA
      .post(`/v1/customer/notices/${m.id}/answer`)
      .set('Idempotency-Key', 'not a key/with spaces')
      .send({ kind: 'removed' })
      .expect(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST.INVALID', fields: [{ field: 'Idempotency-Key' }] });
    expect((await asA.get(`/v1/customer/notices/${m.id}`).expect(200)).body.state).toBe('customer_notified');
    // A batch sent again with its key: the answer taken the first time is accepted again, not refused.
    const batch = () =>
      asA
        .post('/v1/customer/answers')
        .set('Idempotency-Key', `batch-${key}`)
        .send({ answers: [{ noticeId: m.id, kind: 'removed' }] })
        .expect(200);
    for (const res of [await batch(), await batch()]) {
      expect(res.body.results).toEqual([
        { noticeId: m.id, result: 'accepted', state: 'awaiting_confirmation' },
      ]);
    }
    const after = await asA.get(`/v1/customer/notices/${m.id}`).expect(200);
    expect(claims(after.body)).toBe(1);
  });

  it('answers many at once with a result per notice: taken, refused when closed, not_found when another’s', async () => {
    const [one, two, closed] = [await submit(a.ip), await submit(a.ip), await submit(a.ip)];
    const foreign = await submit(b.ip);
    await Promise.all([one, two, closed, foreign].map((n) => notified(n.id)));
    await system.http
      .post(`/v1/notices/${closed.id}/actions/reject-invalid`)
      .send({ reason: 'not our customer’s content' })
      .expect(200);
    const res = await asA
      .post('/v1/customer/answers')
      .send({
        answers: [
          { noticeId: one.id, kind: 'removed' },
          { noticeId: two.id, kind: 'dispute', reason: 'a licensed copy' },
          { noticeId: closed.id, kind: 'removed' },
          { noticeId: foreign.id, kind: 'removed' },
        ],
      })
      .expect(200);
    expect(res.body.results).toEqual([
      { noticeId: one.id, result: 'accepted', state: 'awaiting_confirmation' },
      { noticeId: two.id, result: 'accepted', state: 'customer_notified' },
      expect.objectContaining({
        noticeId: closed.id,
        result: 'refused',
        code: 'NOTICE.ALREADY_CLOSED',
        state: 'closed',
      }),
      expect.objectContaining({ noticeId: foreign.id, result: 'not_found', code: 'NOTICE.NOT_FOUND' }),
    ]);
    // The other customer's notice was not touched.
    const untouched = await system.http.get(`/v1/notices/${foreign.id}`).expect(200);
    expect(untouched.body.state).toBe('customer_notified');
    const disputed = await asA.get(`/v1/customer/notices/${two.id}`).expect(200);
    expect(disputed.body.timeline).toContainEqual(
      expect.objectContaining({ type: 'disputed', reason: 'a licensed copy' }),
    );
  });

  it('tells the customer who it is and the language and time zone the portal shows it in', async () => {
    const profile = await asA.get('/v1/customer/profile').expect(200);
    expect(profile.body).toEqual({
      id: a.customer.id,
      reference: a.customer.reference,
      name: a.customer.name,
      language: a.customer.language,
      timeZone: a.customer.timeZone,
    });
  });

  it('shows the standing with its window, thresholds and what moves it back, and the measures', async () => {
    await db.query(
      `INSERT INTO customer_preventive_measures (customer_id, kind, declared_at, verified_at)
       VALUES ($1, 'hash_check_uploads', now(), now()), ($1, 'abuse_desk_247', now(), NULL)`,
      [a.customer.id],
    );
    const standing = await asA.get('/v1/customer/standing').expect(200);
    expect(standing.body).toMatchObject({
      level: 'good',
      window: 'P90D',
      counts: { missedDeadlines: 0 },
      verifiedMeasures: ['hash_check_uploads'],
    });
    expect(standing.body.thresholds.map((t: { level: string }) => t.level)).toEqual([
      'watch',
      'warning',
      'final_warning',
      'termination_case',
    ]);
    expect(standing.body.movesBack.length).toBeGreaterThan(0);
    const measures = await asA.get('/v1/customer/measures').expect(200);
    expect(measures.body).toEqual([
      expect.objectContaining({ kind: 'abuse_desk_247', verifiedAt: null }),
      expect.objectContaining({ kind: 'hash_check_uploads' }),
    ]);
    const ofB = await asB.get('/v1/customer/measures').expect(200);
    expect(ofB.body).toEqual([]);
  });

  it('lets the customer’s admin contact make a token of its own customer only; others may not', async () => {
    const refused = await asB.post('/v1/customer/tokens').send({ name: 'ticket system' }).expect(403);
    expect(refused.body.code).toBe('AUTH.FORBIDDEN');
    const made = await adminOfB
      .post('/v1/customer/tokens')
      .send({ name: 'ticket system', expiresInDays: 30 })
      .expect(201);
    expect(made.body).toMatchObject({ name: 'ticket system', admin: false });
    const mine = await submit(a.ip);
    const theirs = await submit(b.ip);
    await Promise.all([notified(mine.id), notified(theirs.id)]);
    const viaNew = request
      .agent(system.app.getHttpServer())
      .set('Authorization', `Bearer ${made.body.token}`);
    const list = await viaNew.get('/v1/customer/notices').query({ limit: 200 }).expect(200);
    const ids = (list.body.items as { id: string }[]).map((n) => n.id);
    expect(ids).toContain(theirs.id);
    expect(ids).not.toContain(mine.id);
    // The token is the customer's, not staff's: staff routes are closed to it.
    await viaNew.get('/v1/notices').expect(403);
    const [row] = (await db.query(`SELECT role, customer_id, created_by FROM api_tokens WHERE id = $1`, [
      made.body.id,
    ])) as { role: string; customer_id: string; created_by: string }[];
    expect(row).toMatchObject({ role: 'customer', customer_id: b.customer.id });
    expect(row.created_by).toMatch(/^token:/);
  });

  it('never shows or acts on customer A’s notices, measures or webhook to customer B, on every customer route', async () => {
    const n = await submit(a.ip);
    await notified(n.id);
    // A's own things besides the notice, written where its routes would write them.
    const hook = await setCustomerWebhook(db, a.customer.id, `http://127.0.0.1:9/a-${randomUUID()}`, 'test');
    const evidence = `A's evidence ${randomUUID()}`;
    await db.query(
      `INSERT INTO customer_preventive_measures (customer_id, kind, evidence, evidence_date, declared_at)
       VALUES ($1, 'a_secret_measure', $2, '2026-01-01', now())`,
      [a.customer.id, evidence],
    );
    const eventId = `${n.id}:test:webhook`;
    await db.query(
      `INSERT INTO customer_webhook_deliveries (event_id, customer_id, notice_id, type) VALUES ($1, $2, $3, 'notice.created')`,
      [eventId, a.customer.id, n.id],
    );
    const statement = await storeSuspensionStatement(db, n.id);
    const secrets = [n.url, a.customer.reference, a.customer.name, hook.url, hook.secret, evidence, eventId];
    const leaks: string[] = [];
    const covered = new Set<string>();
    const check = (route: string, res: request.Response, status: number) => {
      covered.add(route.replace(/\?.*$/, ''));
      if (res.status !== status) leaks.push(`${route} → ${res.status}, expected ${status}`);
      const text = JSON.stringify(res.body);
      const leaked = secrets.filter((x) => text.includes(x));
      if (leaked.length) leaks.push(`${route} shows A’s ${leaked.join(', ')}`);
    };
    const list = await asB.get('/v1/customer/notices').query({ limit: 200 });
    check('GET /v1/customer/notices', list, 200);
    if ((list.body.items as { id: string }[]).some((i) => i.id === n.id)) leaks.push('list shows A’s notice');
    check('GET /v1/customer/notices/:id', await asB.get(`/v1/customer/notices/${n.id}`), 404);
    check(
      'POST /v1/customer/notices/:id/answer',
      await asB.post(`/v1/customer/notices/${n.id}/answer`).send({ kind: 'removed' }),
      404,
    );
    const batch = await asB
      .post('/v1/customer/answers')
      .send({ answers: [{ noticeId: n.id, kind: 'removed' }] });
    check('POST /v1/customer/answers', batch, 200);
    if (batch.body.results?.[0]?.result !== 'not_found') leaks.push('batch answer acted on A’s notice');
    check('GET /v1/customer/profile', await asB.get('/v1/customer/profile'), 200);
    check('GET /v1/customer/standing', await asB.get('/v1/customer/standing'), 200);
    check('GET /v1/customer/measures', await asB.get('/v1/customer/measures'), 200);
    check('GET /v1/customer/webhook', await asB.get('/v1/customer/webhook'), 404);
    check('GET /v1/customer/webhook-deliveries', await asB.get('/v1/customer/webhook-deliveries'), 200);
    check('GET /v1/customer/appeals', await asB.get('/v1/customer/appeals'), 200);
    const statements = await asB.get('/v1/customer/statements');
    check('GET /v1/customer/statements', statements, 200);
    if (JSON.stringify(statements.body).includes(statement))
      leaks.push('statements list shows A’s statement');
    for (const file of ['json', 'pdf']) {
      check(
        `GET /v1/customer/statements/:id/statement.${file}`,
        await asB.get(`/v1/customer/statements/${statement}/statement.${file}`),
        404,
      );
      check(
        `GET /v1/customer/statements/:id/statement.${file}?customerId=A`,
        await asB
          .get(`/v1/customer/statements/${statement}/statement.${file}`)
          .query({ customerId: a.customer.id }),
        404,
      );
    }
    check(
      'POST /v1/customer/appeals',
      await asB.post('/v1/customer/appeals').send({ noticeId: n.id, reason: 'not mine to appeal' }),
      404,
    );
    // Naming customer A does not help B: it is told A does not exist.
    const asAccount = { customerId: a.customer.id };
    check(
      'GET /v1/customer/notices?customerId=A',
      await asB.get('/v1/customer/notices').query(asAccount),
      404,
    );
    check(
      'GET /v1/customer/notices/:id?customerId=A',
      await asB.get(`/v1/customer/notices/${n.id}`).query(asAccount),
      404,
    );
    check(
      'POST /v1/customer/notices/:id/answer?customerId=A',
      await asB.post(`/v1/customer/notices/${n.id}/answer`).query(asAccount).send({ kind: 'removed' }),
      404,
    );
    check(
      'POST /v1/customer/answers?customerId=A',
      await asB
        .post('/v1/customer/answers')
        .query(asAccount)
        .send({ answers: [{ noticeId: n.id, kind: 'removed' }] }),
      404,
    );
    check(
      'GET /v1/customer/profile?customerId=A',
      await asB.get('/v1/customer/profile').query(asAccount),
      404,
    );
    check(
      'GET /v1/customer/standing?customerId=A',
      await asB.get('/v1/customer/standing').query(asAccount),
      404,
    );
    check(
      'GET /v1/customer/measures?customerId=A',
      await asB.get('/v1/customer/measures').query(asAccount),
      404,
    );
    check(
      'POST /v1/customer/measures?customerId=A',
      await asB
        .post('/v1/customer/measures')
        .query(asAccount)
        .send({ kind: 'a_secret_measure', evidence: 'overwritten', date: '2026-02-02' }),
      404,
    );
    check(
      'POST /v1/customer/tokens?customerId=A',
      await adminOfB.post('/v1/customer/tokens').query(asAccount).send({ name: 'sneaky' }),
      404,
    );
    check(
      'GET /v1/customer/webhook?customerId=A',
      await asB.get('/v1/customer/webhook').query(asAccount),
      404,
    );
    check(
      'PUT /v1/customer/webhook?customerId=A',
      await adminOfB.put('/v1/customer/webhook').query(asAccount).send({ url: 'http://127.0.0.1:9/b' }),
      404,
    );
    check(
      'GET /v1/customer/webhook-deliveries?customerId=A',
      await asB.get('/v1/customer/webhook-deliveries').query(asAccount),
      404,
    );
    check(
      'GET /v1/customer/statements?customerId=A',
      await asB.get('/v1/customer/statements').query(asAccount),
      404,
    );
    check(
      'GET /v1/customer/appeals?customerId=A',
      await asB.get('/v1/customer/appeals').query(asAccount),
      404,
    );
    check(
      'POST /v1/customer/appeals?customerId=A',
      await asB.post('/v1/customer/appeals').query(asAccount).send({ noticeId: n.id, reason: 'sneaky' }),
      404,
    );
    expect(leaks).toEqual([]);
    // Every route a customer token can call is checked here: a new one fails until it is.
    expect([...covered].sort()).toEqual(customerTokenRoutes(system.app));
    // Nothing happened to A's notice, measure or webhook.
    const still = await system.http.get(`/v1/notices/${n.id}`).expect(200);
    expect(still.body.state).toBe('customer_notified');
    const [row] = (await db.query(
      `SELECT (SELECT count(*)::int FROM api_tokens WHERE customer_id = $1 AND name = 'sneaky') AS tokens,
              (SELECT evidence FROM customer_preventive_measures WHERE customer_id = $1 AND kind = 'a_secret_measure')
                AS evidence,
              (SELECT url FROM customer_webhooks WHERE customer_id = $1) AS url`,
      [a.customer.id],
    )) as { tokens: number; evidence: string; url: string }[];
    expect(row).toEqual({ tokens: 0, evidence, url: hook.url });
    // A's later notices in this file need no deliveries to a port nobody listens on.
    await db.query(`DELETE FROM customer_webhooks WHERE customer_id = $1`, [a.customer.id]);
  });

  it('lets an admin act for a customer it names, and asks it to name one', async () => {
    const n = await submit(a.ip);
    await notified(n.id);
    const missing = await system.http.get('/v1/customer/notices').expect(400);
    expect(missing.body).toMatchObject({ code: 'REQUEST.INVALID', field: 'customerId' });
    const list = await system.http
      .get('/v1/customer/notices')
      .query({ customerId: a.customer.id, limit: 200 })
      .expect(200);
    expect((list.body.items as { id: string }[]).map((i) => i.id)).toContain(n.id);
  });
});
