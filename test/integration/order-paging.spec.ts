import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { dataSourceOptions, insertRemovalOrder } from '@takedown/persistence';
import { OrderPaging, PagingSettings, type PagingFormat } from '@takedown/worker/order-paging';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * The page for a removal order in each paging service's own shape, posted to a receiver on loopback as the worker's
 * activity posts it; a receiver that fails makes the activity fail (Temporal retries it) and counts no page.
 */
describe('paging the on-call person for a removal order', () => {
  const received: Received[] = [];
  let answer = 202;
  let receiver: http.Server;
  let base: string;
  let db: DataSource;
  let orderId: string;
  let noticeId: string;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(body) as Record<string, unknown>,
        });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    db = await new DataSource(dataSourceOptions(testEnv().DATABASE_URL, { logging: false })).initialize();
    const { notice } = await storeNotice(db, { category: 'terrorist_content' });
    noticeId = notice.id;
    orderId = (
      await insertRemovalOrder(db, {
        id: randomUUID(),
        noticeId,
        authority: 'Bundeskriminalamt',
        memberState: 'DE',
        reference: `TCO-DE-${randomUUID()}`,
        issuedAt: new Date(),
        receivedAt: new Date(),
        urls: ['https://video.tenant-a.example/watch/secret-path'],
        reasons: 'Glorification of a terrorist attack',
        contactPoint: 'tco@provider.example',
        informProvider: false,
        receivedBy: 'token:test',
      })
    ).id;
  });

  afterAll(async () => {
    await db?.destroy();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const paging = (format: PagingFormat, key: string | null = null) =>
    new OrderPaging(
      db,
      new PagingSettings(`${base}/${format}`, format, key, 'https://takedown.provider.example'),
    );

  const last = async (format: PagingFormat, key: string | null = null, attempt = 1) => {
    await paging(format, key).pageOnCall({ orderId, attempt });
    const page = received[received.length - 1];
    expect(page.path).toBe(`/${format}`);
    expect(page.headers['content-type']).toBe('application/json');
    // Paging services are outside parties: the reported URL and the order's reasons stay home.
    expect(JSON.stringify(page.body)).not.toMatch(/secret-path|Glorification/);
    return page;
  };

  it('sends PagerDuty an Events API v2 trigger with the routing key, one incident per order', async () => {
    const { body } = await last('pagerduty', 'pd-routing-key-0123456789abcdef');
    expect(body).toMatchObject({
      routing_key: 'pd-routing-key-0123456789abcdef',
      event_action: 'trigger',
      dedup_key: `takedown-order-${orderId}`,
      payload: { source: 'takedown', severity: 'critical' },
      links: [{ href: `https://takedown.provider.example/v1/orders/${orderId}` }],
    });
    const payload = body.payload as { summary: string; custom_details: Record<string, unknown> };
    expect(payload.summary).toMatch(/^Removal order TCO-DE-.* from Bundeskriminalamt \(DE\)/);
    expect(payload.summary.length).toBeLessThanOrEqual(1024);
    expect(payload.custom_details).toMatchObject({ order: orderId, notice: noticeId, member_state: 'DE' });
  });

  it('sends Opsgenie a P1 alert with its GenieKey, aliased by order', async () => {
    const { body, headers } = await last('opsgenie', 'og-api-key');
    expect(headers.authorization).toBe('GenieKey og-api-key');
    expect(body).toMatchObject({ alias: `takedown-order-${orderId}`, priority: 'P1', source: 'takedown' });
    expect((body.message as string).length).toBeLessThanOrEqual(130);
    expect(Object.values(body.details as object).every((v) => typeof v === 'string')).toBe(true);
  });

  it.each(['slack', 'teams', 'matrix'] as const)('sends a %s incoming webhook its text', async (format) => {
    const { body } = await last(format, null, 3);
    expect(body.text).toMatch(
      /^Removal order TCO-DE-.* \(page 3, not acknowledged yet\)\nhttps:\/\/takedown/,
    );
    expect(body.msgtype).toBe(format === 'matrix' ? 'm.text' : undefined);
  });

  it('counts each page once, and fails (for Temporal to retry) when the service does not take it', async () => {
    await paging('slack').pageOnCall({ orderId, attempt: 4 });
    await paging('slack').pageOnCall({ orderId, attempt: 4 });
    const count = async () =>
      (
        (await db.query(`SELECT pages_sent FROM removal_orders WHERE id = $1`, [orderId])) as {
          pages_sent: number;
        }[]
      )[0].pages_sent;
    expect(await count()).toBe(4);
    answer = 503;
    try {
      await expect(paging('slack').pageOnCall({ orderId, attempt: 5 })).rejects.toThrow(/answered 503/);
    } finally {
      answer = 202;
    }
    expect(await count()).toBe(4);
  });

  it('needs no page once the NOC task is done, nor once the notice closed', async () => {
    const other = async () => {
      const { notice } = await storeNotice(db, { category: 'terrorist_content' });
      const { id } = await insertRemovalOrder(db, {
        id: randomUUID(),
        noticeId: notice.id,
        authority: 'Bundeskriminalamt',
        memberState: 'DE',
        reference: `TCO-DE-${randomUUID()}`,
        issuedAt: new Date(),
        receivedAt: new Date(),
        urls: ['https://video.tenant-a.example/watch/other'],
        reasons: 'Glorification',
        contactPoint: 'tco@provider.example',
        informProvider: true,
        receivedBy: 'token:test',
      });
      return { orderId: id, noticeId: notice.id };
    };
    const task = await other();
    const noc = () =>
      db.query(
        `INSERT INTO tasks (id, notice_id, kind, assignee, assignee_email, status, summary, due_at, idempotency_key)
         VALUES ($1, $2, 'noc_suspension', 'noc', 'noc@provider.example', 'open', 'suspend', now(), $3)`,
        [randomUUID(), task.noticeId, randomUUID()],
      );
    await noc();
    expect(await paging('slack').orderNeedsPaging({ orderId: task.orderId })).toBe(true);
    await db.query(
      `UPDATE tasks SET status = 'completed', outcome = 'suspended', completed_at = now(), completed_by = 'noc:test'
        WHERE notice_id = $1`,
      [task.noticeId],
    );
    expect(await paging('slack').orderNeedsPaging({ orderId: task.orderId })).toBe(false);

    const closed = await other();
    await db.query(`UPDATE notices SET state = 'closed', closed_at = now() WHERE id = $1`, [closed.noticeId]);
    expect(await paging('slack').orderNeedsPaging({ orderId: closed.orderId })).toBe(false);
  });

  it('needs no page once the on-call person acknowledged, nor without a paging address', async () => {
    expect(await paging('slack').orderNeedsPaging({ orderId })).toBe(true);
    const off = new OrderPaging(db, new PagingSettings(null, 'slack', null, 'https://x.example'));
    expect(await off.orderNeedsPaging({ orderId })).toBe(false);
    await db.query(`UPDATE removal_orders SET page_acked_at = now() WHERE id = $1`, [orderId]);
    expect(await paging('slack').orderNeedsPaging({ orderId })).toBe(false);
  });
});
