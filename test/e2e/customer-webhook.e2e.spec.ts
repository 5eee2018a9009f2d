import { createHmac, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { enqueueCustomerWebhook, findCustomerWebhookDelivery } from '@takedown/persistence';
import { CustomerWebhooks, CustomerWebhookSettings } from '@takedown/worker/customer-webhooks';
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER } from '@takedown/worker/source-webhooks';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

interface Call {
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}

/**
 * A customer's webhook hears of a new notice, its reminder and its missed deadline: signed with the customer's
 * secret, retried after a 500, each event delivered once, the deliveries visible to the customer. Loopback only.
 */
describe('customer webhooks', () => {
  const calls: Call[] = [];
  let receiver: http.Server;
  let url: string;
  let system: RunningSystem;
  let db: DataSource;
  let a: StoredCustomer;
  let b: StoredCustomer;
  let adminOfA: Http;
  let asB: Http;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const type = (JSON.parse(body) as { type: string }).type;
        // The first new-notice call fails: the delivery is retried, and the notice goes on meanwhile.
        const first = type === 'notice.created' && !calls.some((c) => c.body.includes('"notice.created"'));
        const answered = first ? 500 : 204;
        calls.push({ headers: req.headers, body, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/takedown`;
    system = await startSystem({ POLICY_PROFILE: 'demo' });
    db = system.app.get(DataSource);
    [a, b] = [
      await storeCustomer(db, { policyProfile: 'demo' }),
      await storeCustomer(db, { policyProfile: 'demo' }),
    ];
    adminOfA = await system.as('customer', { customerId: a.customer.id, customerAdmin: true });
    asB = await system.as('customer', { customerId: b.customer.id, customerAdmin: true });
  });

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts new notice, reminder and deadline signed with the customer’s secret, retries a 500, and sends each event once', async () => {
    const asA = await system.as('customer', { customerId: a.customer.id });
    const refused = await asA.put('/v1/customer/webhook').send({ url }).expect(403);
    expect(refused.body.code).toBe('AUTH.FORBIDDEN');
    const bad = await adminOfA
      .put('/v1/customer/webhook')
      .send({ url: 'ftp://tickets.example/' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('url');
    const set = await adminOfA.put('/v1/customer/webhook').send({ url }).expect(200);
    const secret = set.body.secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [audited] = (await db.query(
      `SELECT action, role, summary::text AS summary FROM audit_log WHERE action = 'customer.webhook.set' AND actor_id IN
         (SELECT id::text FROM api_tokens WHERE customer_id = $1)`,
      [a.customer.id],
    )) as { action: string; role: string; summary: string }[];
    expect(audited).toMatchObject({ action: 'customer.webhook.set', role: 'customer' });
    expect(audited.summary).not.toContain(secret);
    const shown = await adminOfA.get('/v1/customer/webhook').expect(200);
    expect(shown.body).toEqual({ url, updatedAt: expect.any(String) });

    const ref = `hook-${randomUUID()}`;
    const notice = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Hook Hotline' },
        sourceReference: ref,
        category: 'terrorist_content',
        urls: [`https://media.tenant-a.example/${ref}`],
        ip: a.ip,
      })
      .expect(201);
    const id = notice.body.id as string;
    const types = (cs: Call[]) => cs.map((c) => (JSON.parse(c.body) as { type: string }).type);
    await eventually(
      async () => calls.filter((c) => c.answered === 204),
      (ok) =>
        ['notice.created', 'notice.reminder', 'notice.deadline_passed'].every((t) => types(ok).includes(t)),
      90_000,
    );

    for (const { headers, body } of calls) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers[WEBHOOK_SIGNATURE_HEADER] as string)!;
      expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
      expect(JSON.parse(body)).toMatchObject({
        id: headers[WEBHOOK_DELIVERY_HEADER],
        customer: { id: a.customer.id, reference: a.customer.reference },
        notice: { id, category: 'terrorist_content', urls: [`https://media.tenant-a.example/${ref}`] },
      });
    }
    // The 500 was retried under the same event id; every other event went once.
    const created = calls.filter((c) => types([c])[0] === 'notice.created');
    expect(created.map((c) => c.answered)).toEqual([500, 204]);
    expect(created[0].headers[WEBHOOK_DELIVERY_HEADER]).toBe(created[1].headers[WEBHOOK_DELIVERY_HEADER]);
    const succeeded = calls.filter((c) => c.answered === 204).map((c) => c.headers[WEBHOOK_DELIVERY_HEADER]);
    expect(new Set(succeeded).size).toBe(succeeded.length);

    const deliveries = await adminOfA.get('/v1/customer/webhook-deliveries').expect(200);
    const createdDelivery = (deliveries.body.items as Record<string, unknown>[]).find(
      (d) => d.type === 'notice.created',
    );
    expect(createdDelivery).toMatchObject({
      eventId: created[0].headers[WEBHOOK_DELIVERY_HEADER],
      noticeId: id,
      status: 'delivered',
      attempts: 2,
      lastStatus: 204,
      lastError: null,
    });

    // Asked again for a delivered event (a retried activity, a second start): nothing goes out again.
    const before = calls.length;
    const eventId = created[0].headers[WEBHOOK_DELIVERY_HEADER] as string;
    expect(await enqueueCustomerWebhook(db, { eventId, noticeId: id, type: 'notice.created' })).toBe(false);
    await new CustomerWebhooks(db, new CustomerWebhookSettings('allow')).deliverCustomerWebhook({ eventId });
    expect(calls.length).toBe(before);

    // In production a webhook may not reach the provider's own network: the receiver on loopback is refused at once.
    const inward = `${id}:inward-probe`;
    expect(await enqueueCustomerWebhook(db, { eventId: inward, noticeId: id, type: 'notice.reminder' })).toBe(
      true,
    );
    await expect(
      new CustomerWebhooks(db, new CustomerWebhookSettings('refuse')).deliverCustomerWebhook({
        eventId: inward,
      }),
    ).rejects.toMatchObject({ type: 'WEBHOOK.REFUSED', nonRetryable: true });
    expect(calls.length).toBe(before);
    expect(await findCustomerWebhookDelivery(db, inward)).toMatchObject({
      lastError: expect.stringMatching(/not public/),
    });

    // Customer B sees neither A's deliveries nor its webhook.
    const ofB = await asB.get('/v1/customer/webhook-deliveries').expect(200);
    expect(ofB.body).toMatchObject({ items: [], total: 0 });
    await asB.get('/v1/customer/webhook').expect(404);
    await asB.get('/v1/customer/webhook-deliveries').query({ customerId: a.customer.id }).expect(404);
    await asB.put('/v1/customer/webhook').query({ customerId: a.customer.id }).send({ url }).expect(404);
  });

  it('never holds the notice: a receiver that does not answer leaves the delivery pending, the notice goes on', async () => {
    const silent = http.createServer(() => undefined); // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const c = await storeCustomer(db, { policyProfile: 'demo' });
      await system.http
        .put(`/v1/customers/${c.customer.id}/webhook`)
        .send({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hooks` })
        .expect(200);
      const n = await system.http
        .post('/v1/notices')
        .send({
          source: { kind: 'hotline', name: 'Hook Hotline' },
          sourceReference: `hook-${randomUUID()}`,
          category: 'phishing',
          urls: [`https://login.tenant-c.example/${randomUUID()}`],
          ip: c.ip,
        })
        .expect(201);
      await eventually(
        async () => (await system.http.get(`/v1/notices/${n.body.id}`)).body.state as string,
        (s) => s === 'customer_notified',
      );
      const [delivery] = (await db.query(
        `SELECT status, delivered_at FROM customer_webhook_deliveries WHERE notice_id = $1`,
        [n.body.id],
      )) as { status: string; delivered_at: Date | null }[];
      expect(delivery).toEqual({ status: 'pending', delivered_at: null });
      await db.query(`DELETE FROM customer_webhooks WHERE customer_id = $1`, [c.customer.id]);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('lets the desk set a customer’s webhook; a customer without one gets no deliveries', async () => {
    const desk = await system.as('abuse_desk');
    const set = await desk.put(`/v1/customers/${b.customer.id}/webhook`).send({ url }).expect(200);
    expect(set.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await desk.put(`/v1/customers/${randomUUID()}/webhook`).send({ url }).expect(404);
    const c = await storeCustomer(db, { policyProfile: 'demo' });
    const n = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Hook Hotline' },
        sourceReference: `hook-${randomUUID()}`,
        category: 'phishing',
        urls: [`https://login.tenant-c.example/${randomUUID()}`],
        ip: c.ip,
      })
      .expect(201);
    await eventually(
      async () => (await system.http.get(`/v1/notices/${n.body.id}`)).body.state as string,
      (s) => s === 'customer_notified',
    );
    const [{ count }] = (await db.query(
      `SELECT count(*)::int AS count FROM customer_webhook_deliveries WHERE notice_id = $1`,
      [n.body.id],
    )) as { count: number }[];
    expect(count).toBe(0);
  });
});
