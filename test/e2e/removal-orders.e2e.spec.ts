import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { temporalDataConverter } from '@takedown/config';
import { orderPagingWorkflowId } from '@takedown/workflows/order-paging.workflow';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

interface Page {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const order = (overrides: Record<string, unknown> = {}) => {
  const ref = `TCO-NL-${randomUUID()}`;
  return {
    authority: 'Nationale Politie, Internet Referral Unit',
    memberState: 'NL',
    reference: ref,
    issuedAt: new Date(Date.now() - 60_000).toISOString(),
    urls: [`https://video.tenant-a.example/watch/${ref}`],
    reasons: 'Dissemination of material inciting terrorist offences',
    contactPoint: 'tco-contact@provider.example',
    informProvider: true,
    ...overrides,
  };
};

/**
 * A removal order on the real stack: stored with its terrorist_content notice (one hour from receipt, the 24/7
 * contacts emailed and the NOC task opened at receipt), the on-call person paged through a webhook on loopback,
 * again and again until someone acknowledges.
 */
describe('removal orders', () => {
  const pages: Page[] = [];
  let receiver: http.Server;
  let system: RunningSystem;
  let db: DataSource;
  let customer: StoredCustomer;
  let desk: Http;
  let connection: Connection;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        pages.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    system = await startSystem({
      POLICY_PROFILE: 'default',
      PAGING_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v2/enqueue`,
      PAGING_FORMAT: 'pagerduty',
      PAGING_KEY: 'R0UTINGKEY0000000000000000000000',
      PAGING_REPEAT_EVERY: 'PT1S',
    });
    db = system.app.get(DataSource);
    customer = await storeCustomer(db);
    desk = await system.as('abuse_desk');
    connection = await Connection.connect({ address: system.env.TEMPORAL_ADDRESS });
  });

  afterAll(async () => {
    await connection?.close();
    await system?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('takes an order: its notice has one hour from receipt, the 24/7 contacts and the NOC engaged at once', async () => {
    const body = order({ ip: customer.ip });
    const res = await desk.post('/v1/orders').send(body).expect(201);
    const created = res.body as { id: string; noticeId: string; receivedAt: string; reference: string };
    expect(created).toMatchObject({ reference: body.reference, memberState: 'NL', informProvider: true });

    const notice = await eventually(
      async () =>
        (
          (await db.query(`SELECT category, deadline, received_at, customer_id FROM notices WHERE id = $1`, [
            created.noticeId,
          ])) as { category: string; deadline: Date | null; received_at: Date; customer_id: string | null }[]
        )[0],
      (n) => n.deadline !== null,
    );
    expect(notice.category).toBe('terrorist_content');
    expect(notice.customer_id).toBe(customer.customer.id);
    expect(notice.deadline!.getTime() - notice.received_at.getTime()).toBe(60 * 60_000);

    const emails = await eventually(
      async () =>
        (await db.query(
          `SELECT to_addresses AS "to" FROM outbound_emails WHERE idempotency_key LIKE $1 AND sent_at IS NOT NULL`,
          [`${created.noticeId}:notify:%`],
        )) as { to: string[] }[],
      (rows) => rows.length > 0,
    );
    expect(emails[0].to).toEqual(expect.arrayContaining(customer.contacts));
    const tasks = await eventually(
      async () =>
        (await db.query(`SELECT kind, status FROM tasks WHERE notice_id = $1 AND kind = 'noc_suspension'`, [
          created.noticeId,
        ])) as { kind: string; status: string }[],
      (rows) => rows.length === 1,
    );
    expect(tasks[0].status).toBe('open');

    const read = await desk.get(`/v1/orders/${created.id}`).expect(200);
    expect(read.body).toMatchObject({ id: created.id, noticeId: created.noticeId, urls: body.urls });
    const list = await desk.get('/v1/orders?limit=200').expect(200);
    expect((list.body as { items: { id: string }[] }).items.map((o) => o.id)).toContain(created.id);
  });

  it('takes the content provider’s complaint against a removal in time under an order (TCO Art. 10), counted in the yearly figures', async () => {
    const legal = await system.as('legal');
    const year = new Date().getUTCFullYear();
    const tco = async () => (await legal.get('/v1/reports/tco').query({ year }).expect(200)).body;
    const before = await tco();
    const created = (
      await desk
        .post('/v1/orders')
        .send(order({ ip: customer.ip }))
        .expect(201)
    ).body as {
      noticeId: string;
    };
    const state = () =>
      system.http
        .get(`/v1/notices/${created.noticeId}`)
        .then((r) => r.body as { state: string; outcome: string });
    await eventually(state, (n) => n.state === 'customer_notified', 30_000);
    await desk
      .post(`/v1/notices/${created.noticeId}/actions/confirm-removal`)
      .send({})
      .expect((r) => expect(r.status).toBeLessThan(300));
    await eventually(state, (n) => n.outcome === 'removed_in_time', 30_000);

    const asCustomer = await system.as('customer', { customerId: customer.customer.id });
    const filed = await asCustomer
      .post('/v1/customer/appeals')
      .send({ noticeId: created.noticeId, reason: 'The video was news reporting on the attack.' })
      .expect(201);
    expect(filed.body).toMatchObject({ kind: 'order_removal', status: 'under_review' });
    const reviewed = await (
      await system.as('abuse_lead')
    )
      .post(`/v1/appeals/${filed.body.id as string}/review`)
      .send({ decision: 'reverse', reason: 'Journalistic context: the content is reinstated.' })
      .expect(200);
    expect(reviewed.body).toMatchObject({ kind: 'order_removal', status: 'reversed' });

    const after = await tco();
    expect(after.orders.received - before.orders.received).toBe(1);
    expect(after.orders.executed - before.orders.executed).toBe(1);
    expect(after.complaints.received - before.complaints.received).toBe(1);
    expect(after.complaints.granted - before.complaints.granted).toBe(1);
    expect(after.restorations - before.restorations).toBe(1);
  });

  it('is the same order when the authority sends it again', async () => {
    const body = order();
    const first = await desk.post('/v1/orders').send(body).expect(201);
    const again = await desk.post('/v1/orders').send(body).expect(200);
    expect((again.body as { id: string }).id).toBe((first.body as { id: string }).id);
    const [{ count }] = (await db.query(
      `SELECT count(*)::int AS count FROM removal_orders WHERE reference = $1`,
      [body.reference],
    )) as { count: number }[];
    expect(count).toBe(1);
  });

  it('keeps a second order for a URL whose notice is open as an order of its own, on the same notice', async () => {
    const first = order();
    const a = (await desk.post('/v1/orders').send(first).expect(201)).body as {
      id: string;
      noticeId: string;
    };
    const second = order({ authority: 'Bundeskriminalamt', memberState: 'DE', urls: first.urls });
    const b = (await desk.post('/v1/orders').send(second).expect(201)).body as {
      id: string;
      noticeId: string;
      reference: string;
    };
    expect(b.id).not.toBe(a.id);
    expect(b).toMatchObject({ noticeId: a.noticeId, reference: second.reference });
  });

  it.each([
    ['memberState', { memberState: 'US' }],
    ['issuedAt', { issuedAt: 'yesterday' }],
    ['issuedAt', { issuedAt: new Date(Date.now() + 86_400_000).toISOString() }],
    ['urls', { urls: [] }],
    ['informProvider', { informProvider: undefined }],
    ['reference', { reference: '' }],
    ['ip', { ip: 'not-an-address' }],
  ])('refuses an order with a bad %s, naming it', async (field, overrides) => {
    const res = await desk.post('/v1/orders').send(order(overrides)).expect(400);
    const named = res.body as { field?: string; fields?: { field: string }[] };
    expect(named.field ? [named.field] : (named.fields ?? []).map((f) => f.field)).toEqual([field]);
  });

  it('is for the desk to take in: a source token may not', async () => {
    const source = await system.as('source');
    await source.post('/v1/orders').send(order()).expect(403);
  });

  it('pages the on-call person (PagerDuty Events v2) again and again until the page is acknowledged', async () => {
    const res = await desk.post('/v1/orders').send(order()).expect(201);
    const { id } = res.body as { id: string };
    const mine = () => pages.filter((p) => (p.body.dedup_key as string) === `takedown-order-${id}`);
    await eventually(
      async () => mine().length,
      (n) => n >= 2,
    );
    expect(mine()[0].body).toMatchObject({
      routing_key: 'R0UTINGKEY0000000000000000000000',
      event_action: 'trigger',
      payload: { severity: 'critical', source: 'takedown' },
    });
    // The page never carries the reported URLs.
    expect(JSON.stringify(mine())).not.toContain('video.tenant-a.example');

    const noc = await system.as('noc');
    const acked = await noc.post(`/v1/orders/${id}/page-ack`).expect(200);
    expect(
      (acked.body as { paging: { acknowledgedAt: string | null } }).paging.acknowledgedAt,
    ).not.toBeNull();
    const client = new Client({ connection, dataConverter: temporalDataConverter(system.env) });
    await expect(client.workflow.getHandle(orderPagingWorkflowId(id)).result()).resolves.toBe('acknowledged');
    const sent = mine().length;
    const [{ pages_sent }] = (await db.query(`SELECT pages_sent FROM removal_orders WHERE id = $1`, [
      id,
    ])) as {
      pages_sent: number;
    }[];
    expect(pages_sent).toBe(sent);
    await noc.get(`/v1/orders/${randomUUID()}`).expect(404);
    await noc.post(`/v1/orders/${randomUUID()}/page-ack`).expect(404);
  });
});
