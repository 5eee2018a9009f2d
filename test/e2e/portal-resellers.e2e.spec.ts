import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CapturedMailbox } from '@takedown/mail';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, storeReseller, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import {
  customerTokenRoutes,
  notified as whenNotified,
  submitFor,
  type Submitted,
} from '../support/portal-session';
import { storeSuspensionStatement } from '../support/statements';

type Item = {
  id: string;
  endCustomer: { id: string; reference: string; name: string } | null;
  resellerMode: string | null;
  answers: string[];
  asked: string;
};

/**
 * Resellers on the real stack: the desk sets a reseller's mode; a notice about an end customer's address (a /26
 * inside the reseller's /24) keeps the reseller and the mode of its receipt; the reseller's token sees its end
 * customers' notices, marked with whose they are, and answers them where it acts first; an end customer never sees
 * the reseller's own notices or another end customer's, on any customer route.
 */
describe('resellers: the desk sets the mode, the reseller sees and answers its end customers’ notices', () => {
  let system: RunningSystem;
  let db: DataSource;
  let reseller: StoredCustomer;
  let end1: StoredCustomer;
  let end2: StoredCustomer;
  let other: StoredCustomer;
  let asReseller: Http;
  let asEnd1: Http;
  let adminOfEnd1: Http;
  let desk: Http;
  let mailbox: CapturedMailbox;
  /** The captured emails whose idempotency key starts with `key`: to whom, and what they say. */
  const mailsFor = (key: string, count: number) =>
    eventually(
      async () => (await mailbox.withKeyPrefix(key)).map((m) => ({ to: m.to, text: m.text })),
      (m) => m.length >= count,
      60_000,
    );

  const submit = (ip: string, category = 'phishing') =>
    submitFor(system.http, ip, { category, hotline: 'Reseller Hotline' });
  const notified = (id: string) => whenNotified(system.http, id);
  const events = async (id: string) =>
    (await db.query(`SELECT type, actor, data FROM notice_events WHERE notice_id = $1 ORDER BY id`, [
      id,
    ])) as {
      type: string;
      actor: string;
      data: Record<string, unknown>;
    }[];
  const row = async (id: string) =>
    (
      (await db.query(`SELECT customer_id, reseller_id, reseller_mode FROM notices WHERE id = $1`, [id])) as {
        customer_id: string;
        reseller_id: string | null;
        reseller_mode: string | null;
      }[]
    )[0];

  beforeAll(async () => {
    system = await startSystem();
    db = system.app.get(DataSource);
    mailbox = new CapturedMailbox(system.env.MAIL_CAPTURE_DIR as string);
    const stored = await storeReseller(db, 2);
    reseller = stored.reseller;
    [end1, end2] = stored.endCustomers;
    other = await storeCustomer(db);
    asReseller = await system.as('customer', { customerId: reseller.customer.id });
    asEnd1 = await system.as('customer', { customerId: end1.customer.id });
    adminOfEnd1 = await system.as('customer', { customerId: end1.customer.id, customerAdmin: true });
    desk = await system.as('abuse_desk');
  });
  afterAll(() => system?.stop());

  it('lets the desk set a reseller’s mode, validated with the field named; never for a customer that is not a reseller', async () => {
    const at = `/v1/customers/${reseller.customer.id}/reseller-mode`;
    expect((await desk.get(at).expect(200)).body).toMatchObject({ mode: 'none', actFirstMinutes: null });
    const noMinutes = await desk.put(at).send({ mode: 'act_first' }).expect(400);
    expect(JSON.stringify(noMinutes.body)).toContain('actFirstMinutes');
    expect(noMinutes.body.code).toBe('REQUEST.INVALID');
    const tooLong = await desk.put(at).send({ mode: 'act_first', actFirstMinutes: 20_000 }).expect(400);
    expect(JSON.stringify(tooLong.body)).toContain('actFirstMinutes');
    const unknown = await desk.put(at).send({ mode: 'sometimes' }).expect(400);
    expect(JSON.stringify(unknown.body)).toContain('mode');
    const notReseller = await desk
      .put(`/v1/customers/${end1.customer.id}/reseller-mode`)
      .send({ mode: 'informed' })
      .expect(400);
    expect(notReseller.body).toMatchObject({ code: 'REQUEST.INVALID', field: 'mode' });
    await desk.put(`/v1/customers/${randomUUID()}/reseller-mode`).send({ mode: 'none' }).expect(404);
    // A customer token is not the desk.
    await asReseller.put(at).send({ mode: 'none' }).expect(403);
    const set = await desk.put(at).send({ mode: 'act_first', actFirstMinutes: 30 }).expect(200);
    expect(set.body).toMatchObject({
      customerId: reseller.customer.id,
      mode: 'act_first',
      actFirstMinutes: 30,
    });
  });

  describe('with the reseller acting first', () => {
    let ofEnd1: Submitted;
    let ofEnd2: Submitted;
    let ownOfReseller: Submitted;
    let ofOther: Submitted;

    beforeAll(async () => {
      await desk
        .put(`/v1/customers/${reseller.customer.id}/reseller-mode`)
        .send({ mode: 'act_first', actFirstMinutes: 30 })
        .expect(200);
      [ofEnd1, ofEnd2, ownOfReseller, ofOther] = [
        await submit(end1.ip, 'csam'),
        await submit(end2.ip),
        await submit(reseller.ip),
        await submit(other.ip),
      ];
      await Promise.all([ofEnd1, ofEnd2, ownOfReseller, ofOther].map((n) => notified(n.id)));
    });

    it('stores the reseller and the mode of the receipt on the notice, and notifies the reseller, not the end customer', async () => {
      expect(await row(ofEnd1.id)).toEqual({
        customer_id: end1.customer.id,
        reseller_id: reseller.customer.id,
        reseller_mode: 'act_first',
      });
      // The reseller's own notice is its own: nobody above it is involved.
      expect(await row(ownOfReseller.id)).toMatchObject({
        customer_id: reseller.customer.id,
        reseller_id: null,
      });
      const timeline = await events(ofEnd1.id);
      expect(timeline.map((e) => e.type)).toContain('reseller_notified');
      expect(timeline.map((e) => e.type)).not.toContain('customer_notified');
      expect(timeline.find((e) => e.type === 'reseller_notified')?.data).toMatchObject({
        resellerId: reseller.customer.id,
        customerId: end1.customer.id,
      });
      // The email went to the reseller's abuse contact, about its customer, with the answer links; none to the end customer.
      const [mail] = await mailsFor(`${ofEnd1.id}:reseller-first:0`, 1);
      expect(mail.to).toEqual(reseller.contacts);
      expect(mail.text).toContain(`your customer ${end1.customer.name} (${end1.customer.reference})`);
      expect(mail.text).toContain(ofEnd1.url);
      expect(mail.text).toContain('/links/');
      expect(await mailbox.withKeyPrefix(`${ofEnd1.id}:notify:`)).toEqual([]);
    });

    it('shows the reseller its end customers’ notices marked with whose they are, beside its own, and no one else’s', async () => {
      const list = await asReseller.get('/v1/customer/notices').query({ limit: 200 }).expect(200);
      const items = list.body.items as Item[];
      const byId = new Map(items.map((i) => [i.id, i]));
      expect(byId.get(ofEnd1.id)).toMatchObject({
        endCustomer: { id: end1.customer.id, reference: end1.customer.reference, name: end1.customer.name },
        resellerMode: 'act_first',
        answers: ['removed', 'dispute'],
      });
      expect(byId.get(ofEnd2.id)?.endCustomer?.reference).toBe(end2.customer.reference);
      expect(byId.get(ownOfReseller.id)).toMatchObject({ endCustomer: null, resellerMode: null });
      expect(byId.has(ofOther.id)).toBe(false);
      const one = await asReseller.get(`/v1/customer/notices/${ofEnd1.id}`).expect(200);
      expect(one.body.urls).toEqual([ofEnd1.url]);
      expect(one.body.timeline.map((e: { type: string }) => e.type)).toContain('reseller_notified');
    });

    it('takes the reseller’s answer as the notice’s: the claim is on the timeline with the reseller’s token', async () => {
      const answered = await asReseller
        .post(`/v1/customer/notices/${ofEnd2.id}/answer`)
        .send({ kind: 'removed' })
        .expect(200);
      expect(answered.body.state).toBe('awaiting_confirmation');
      const claim = (await events(ofEnd2.id)).find((e) => e.type === 'removal_claimed');
      expect(claim?.actor).toMatch(/^token:/);
      // The end customer sees the claim on its own notice, and not the reseller's notices.
      const asEnd2 = await system.as('customer', { customerId: end2.customer.id });
      const own = await asEnd2.get(`/v1/customer/notices/${ofEnd2.id}`).expect(200);
      expect(own.body).toMatchObject({
        state: 'awaiting_confirmation',
        endCustomer: null,
        resellerMode: null,
      });
    });

    it('never shows an end customer the reseller’s own notices or another end customer’s, on every customer route', async () => {
      const secrets = [
        ofEnd2.url,
        ownOfReseller.url,
        ofOther.url,
        end2.customer.reference,
        end2.customer.name,
        reseller.customer.reference,
        reseller.customer.name,
      ];
      const leaks: string[] = [];
      const covered = new Set<string>();
      const check = (route: string, res: request.Response, status: number) => {
        covered.add(route);
        if (res.status !== status) leaks.push(`${route} → ${res.status}, expected ${status}`);
        const text = JSON.stringify(res.body);
        const leaked = secrets.filter((x) => text.includes(x));
        if (leaked.length) leaks.push(`${route} shows ${leaked.join(', ')}`);
      };
      const list = await asEnd1.get('/v1/customer/notices').query({ limit: 200 });
      check('GET /v1/customer/notices', list, 200);
      const listed = (list.body.items as Item[]).map((i) => i.id);
      expect(listed).toContain(ofEnd1.id);
      for (const foreign of [ofEnd2, ownOfReseller, ofOther]) {
        if (listed.includes(foreign.id)) leaks.push(`list shows ${foreign.id}`);
        check('GET /v1/customer/notices/:id', await asEnd1.get(`/v1/customer/notices/${foreign.id}`), 404);
        check(
          'POST /v1/customer/notices/:id/answer',
          await asEnd1
            .post(`/v1/customer/notices/${foreign.id}/answer`)
            .send({ kind: 'dispute', reason: 'no' }),
          404,
        );
        const batch = await asEnd1
          .post('/v1/customer/answers')
          .send({ answers: [{ noticeId: foreign.id, kind: 'removed' }] });
        check('POST /v1/customer/answers', batch, 200);
        if (batch.body.results?.[0]?.result !== 'not_found')
          leaks.push(`batch answer acted on ${foreign.id}`);
        check(
          'POST /v1/customer/appeals',
          await asEnd1.post('/v1/customer/appeals').send({ noticeId: foreign.id, reason: 'not mine' }),
          404,
        );
      }
      // Its own notice names no reseller's notices or name.
      check('GET /v1/customer/notices/:id (own)', await asEnd1.get(`/v1/customer/notices/${ofEnd1.id}`), 200);
      check('GET /v1/customer/profile', await asEnd1.get('/v1/customer/profile'), 200);
      check('GET /v1/customer/standing', await asEnd1.get('/v1/customer/standing'), 200);
      check('GET /v1/customer/measures', await asEnd1.get('/v1/customer/measures'), 200);
      // The reseller's statements of reasons (a suspension of its own notice's content) are its own.
      const resellerStatement = await storeSuspensionStatement(db, ownOfReseller.id);
      const statements = await asEnd1.get('/v1/customer/statements');
      check('GET /v1/customer/statements', statements, 200);
      if ((statements.body as { id: string }[]).some((s) => s.id === resellerStatement))
        leaks.push(`statements list shows ${resellerStatement}`);
      for (const file of ['json', 'pdf']) {
        check(
          `GET /v1/customer/statements/:id/statement.${file}`,
          await asEnd1.get(`/v1/customer/statements/${resellerStatement}/statement.${file}`),
          404,
        );
      }
      // The reseller reads its own.
      await asReseller.get(`/v1/customer/statements/${resellerStatement}/statement.json`).expect(200);
      check(
        'POST /v1/customer/measures',
        await asEnd1
          .post('/v1/customer/measures')
          .send({ kind: 'hash_check_uploads', evidence: 'checked', date: '2026-02-02' }),
        201,
      );
      check('GET /v1/customer/webhook', await asEnd1.get('/v1/customer/webhook'), 404);
      check(
        'PUT /v1/customer/webhook',
        await adminOfEnd1.put('/v1/customer/webhook').send({ url: 'http://127.0.0.1:9/end1' }),
        200,
      );
      check('GET /v1/customer/webhook-deliveries', await asEnd1.get('/v1/customer/webhook-deliveries'), 200);
      check('GET /v1/customer/appeals', await asEnd1.get('/v1/customer/appeals'), 200);
      check(
        'POST /v1/customer/tokens',
        await adminOfEnd1.post('/v1/customer/tokens').send({ name: 'tickets' }),
        201,
      );
      // Naming the reseller does not make the end customer it.
      check(
        'GET /v1/customer/notices?customerId=reseller',
        await asEnd1.get('/v1/customer/notices').query({ customerId: reseller.customer.id }),
        404,
      );
      await db.query(`DELETE FROM customer_webhooks WHERE customer_id = $1`, [end1.customer.id]);
      expect(leaks).toEqual([]);
      // Every route a customer token can call was checked (public link routes act on no customer).
      const checked = new Set([...covered].map((r) => r.replace(/ \(.*\)$/, '').replace(/\?.*$/, '')));
      expect([...checked].sort()).toEqual(customerTokenRoutes(system.app));
    });
  });

  it('keeps each notice’s mode from its receipt: an informed reseller reads a new notice, cannot answer it, and still answers the earlier act_first one', async () => {
    const earlier = await submit(end1.ip);
    await notified(earlier.id);
    await desk
      .put(`/v1/customers/${reseller.customer.id}/reseller-mode`)
      .send({ mode: 'informed' })
      .expect(200);
    const later = await submit(end1.ip);
    await notified(later.id);
    expect(await row(later.id)).toMatchObject({
      reseller_id: reseller.customer.id,
      reseller_mode: 'informed',
    });
    expect(await row(earlier.id)).toMatchObject({ reseller_mode: 'act_first' });
    // Informed: the end customer is notified, the timeline names the reseller the copy went to.
    const notifiedEvent = (await events(later.id)).find((e) => e.type === 'customer_notified');
    expect(notifiedEvent?.data).toMatchObject({
      customerId: end1.customer.id,
      resellerInformed: reseller.customer.id,
    });
    const [toEnd] = await mailsFor(`${later.id}:notify:0`, 1);
    expect(toEnd.to).toEqual(end1.contacts);
    const [copy] = await mailsFor(`${later.id}:notify:0:reseller-copy`, 1);
    expect(copy.to).toEqual(reseller.contacts);
    expect(copy.text).toContain('A copy for your information');
    expect(copy.text).not.toContain('/links/');
    const item = (await asReseller.get(`/v1/customer/notices/${later.id}`).expect(200)).body as Item;
    expect(item).toMatchObject({ resellerMode: 'informed', answers: [] });
    expect(item.asked).toContain('informed');
    const refused = await asReseller
      .post(`/v1/customer/notices/${later.id}/answer`)
      .send({ kind: 'removed' })
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'NOTICE.RESELLER_INFORMED', state: 'customer_notified' });
    await asReseller.post(`/v1/customer/notices/${earlier.id}/answer`).send({ kind: 'removed' }).expect(200);
    // Left out: a new notice names no reseller.
    await desk.put(`/v1/customers/${reseller.customer.id}/reseller-mode`).send({ mode: 'none' }).expect(200);
    const none = await submit(end1.ip);
    await notified(none.id);
    expect(await row(none.id)).toMatchObject({ reseller_id: null, reseller_mode: null });
    await asReseller.get(`/v1/customer/notices/${none.id}`).expect(404);
  });
});
