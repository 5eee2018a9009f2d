import { createHmac, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER } from '@takedown/worker/source-webhooks';
import { startSystem, type RunningSystem } from '../support/api';
import { eventually } from '../support/eventually';

const SECRET = 'webhook-test-secret-0123456789abcdef';

/** A source with a webhook hears, signed and once, how its notice ended. Loopback only. */
describe('feedback webhook', () => {
  const calls: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let receiver: http.Server;
  let system: RunningSystem;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push({ headers: req.headers, body });
        // The first call fails: the activity retries, and the second is the only one recorded.
        res.writeHead(calls.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    system = await startSystem({
      POLICY_PROFILE: 'demo',
      FEEDBACK_WEBHOOKS: `Webhook Hotline|http://127.0.0.1:${port}/feedback|${SECRET}`,
    });
  });

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('calls the source’s webhook when the notice closes, with an HMAC signature, and once', async () => {
    const api = system.http;
    const ref = `hook-${randomUUID()}`;
    const created = await api
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Webhook Hotline' },
        sourceReference: ref,
        category: 'phishing',
        urls: [`https://login.tenant-b.example/${ref}`],
      })
      .expect(201);
    await api
      .post(`/v1/notices/${created.body.id}/actions/confirm-removal`)
      .send({ by: 'desk:e2e' })
      .expect(200);
    await eventually(
      async () => calls.length,
      (n) => n >= 2,
    );
    await eventually(
      async () => (await api.get(`/v1/notices/${created.body.id}`)).body.state,
      (s) => s === 'closed',
    );
    const { headers, body } = calls[1];
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers[WEBHOOK_SIGNATURE_HEADER] as string)!;
    expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex'));
    expect(JSON.parse(body)).toMatchObject({
      type: 'notice.closed',
      report_id: ref,
      notice_id: created.body.id,
      outcome: 'removed_in_time',
    });
    expect(headers[WEBHOOK_DELIVERY_HEADER]).toBe(calls[0].headers[WEBHOOK_DELIVERY_HEADER]);
    expect(calls).toHaveLength(2);
  });
});
