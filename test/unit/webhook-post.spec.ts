import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, WebhookTargetRefused } from '../../apps/worker/src/webhook-post';

/** A customer's webhook must not be a way into the provider's own network (WEBHOOK_PRIVATE_TARGETS). */
describe('postWebhook', () => {
  let server: http.Server;
  let port: number;
  const received: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (url: string, privateTargets: 'allow' | 'refuse') =>
    postWebhook(url, { 'content-type': 'application/json' }, '{"ping":1}', {
      privateTargets,
      timeoutMs: 2000,
    });

  it('delivers to a receiver on loopback where private targets are allowed (development, tests)', async () => {
    await expect(post(`http://127.0.0.1:${port}/hook`, 'allow')).resolves.toBe(204);
    expect(received.at(-1)).toBe('{"ping":1}');
  });

  it.each([
    ['an address literal', () => `http://127.0.0.1:${port}/hook`],
    ['a name that resolves to loopback', () => `http://localhost:${port}/hook`],
    ['a link-local address (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.0.0.1/'],
  ])('refuses %s where private targets are refused, before sending anything', async (_, url) => {
    const before = received.length;
    await expect(post(url(), 'refuse')).rejects.toBeInstanceOf(WebhookTargetRefused);
    expect(received.length).toBe(before);
  });

  it('refuses a scheme other than http(s)', async () => {
    await expect(post('ftp://127.0.0.1/hook', 'allow')).rejects.toBeInstanceOf(WebhookTargetRefused);
  });
});
