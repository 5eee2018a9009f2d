import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { PROBE_USER_AGENT } from '@takedown/worker/removal-probe';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { eventually } from '../support/eventually';

interface Seen {
  method: string;
  path: string;
  userAgent: string | undefined;
}

interface Event {
  type: string;
  actor: string;
  reason: string | null;
  data: Record<string, unknown>;
}

/**
 * A customer's removal claim checked by HEAD requests on the real stack (demo policy version 6: phishing probed, two
 * misses two seconds apart), against a server on loopback that answers 404 or 200 by path and records every request
 * it sees: only HEAD, never a GET, and never anything for a CSAM notice.
 */
describe('verified removal by HEAD probe', () => {
  const seen: Seen[] = [];
  let site: http.Server;
  let base: string;
  let system: RunningSystem;
  let db: DataSource;
  let customer: StoredCustomer;
  let asCustomer: Http;

  beforeAll(async () => {
    site = http.createServer((req, res) => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', userAgent: req.headers['user-agent'] });
      if (req.url?.startsWith('/online/')) {
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': '5120', etag: '"v1"' }).end();
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    system = await startSystem({ POLICY_PROFILE: 'demo' });
    db = system.app.get(DataSource);
    customer = await storeCustomer(db, { policyProfile: 'demo' });
    asCustomer = await system.as('customer', { customerId: customer.customer.id });
  });

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => site.close(resolve));
  });

  /** A notice for a URL on the loopback site, attributed and notified, then claimed removed by the customer. */
  const claimed = async (
    category: string,
    kind: 'gone' | 'online' | 'csam',
  ): Promise<{ id: string; path: string }> => {
    const ref = `probe-${randomUUID()}`;
    const path = `/${kind}/${ref}`;
    const res = await system.http
      .post('/v1/notices')
      .send({
        source: { kind: 'hotline', name: 'Probe Hotline' },
        sourceReference: ref,
        category,
        urls: [`${base}${path}`],
        ip: customer.ip,
      })
      .expect(201);
    const id = res.body.id as string;
    await eventually(
      async () => (await system.http.get(`/v1/notices/${id}`)).body.state as string,
      (s) => s === 'customer_notified',
    );
    await asCustomer.post(`/v1/customer/notices/${id}/answer`).send({ kind: 'removed' }).expect(200);
    return { id, path };
  };
  const events = async (id: string): Promise<Event[]> =>
    (await db.query(`SELECT type, actor, reason, data FROM notice_events WHERE notice_id = $1 ORDER BY id`, [
      id,
    ])) as Event[];
  const requestsFor = (path: string) => seen.filter((s) => s.path === path);

  it('confirms the removal after two 404s two seconds apart, by HEAD requests alone', async () => {
    const { id, path } = await claimed('phishing', 'gone');
    const notice = await eventually(
      async () => (await system.http.get(`/v1/notices/${id}`)).body as { state: string; outcome: string },
      (n) => n.state === 'closed',
      30_000,
    );
    expect(notice.outcome).toBe('removed_in_time');
    const timeline = await events(id);
    const probes = timeline.filter((e) => e.type === 'removal_probed');
    expect(probes.map((e) => e.data)).toEqual([
      expect.objectContaining({
        round: 1,
        result: 'gone',
        answers: [expect.objectContaining({ url: 1, status: 404 })],
      }),
      expect.objectContaining({
        round: 2,
        result: 'gone',
        answers: [expect.objectContaining({ url: 1, status: 404 })],
      }),
    ]);
    expect(timeline.find((e) => e.type === 'closed')).toMatchObject({ actor: 'workflow:probe' });
    // The evidence names the URL by its position, never by its text.
    expect(JSON.stringify(probes)).not.toContain(path);
    expect(requestsFor(path).map((s) => s.method)).toEqual(['HEAD', 'HEAD']);
    expect(requestsFor(path).every((s) => s.userAgent === PROBE_USER_AGENT)).toBe(true);
  });

  it('counts the claim false when the URL still answers 200, with status, length and ETag as evidence', async () => {
    const { id, path } = await claimed('phishing', 'online');
    const timeline = await eventually(
      () => events(id),
      (t) => t.some((e) => e.type === 'still_online'),
      30_000,
    );
    const probe = timeline.find((e) => e.type === 'removal_probed')!;
    expect(probe.data).toMatchObject({
      result: 'present',
      answers: [expect.objectContaining({ status: 200, length: 5120, etag: '"v1"' })],
    });
    expect(timeline.find((e) => e.type === 'still_online')).toMatchObject({ actor: 'workflow:probe' });
    const notice = (await system.http.get(`/v1/notices/${id}`).expect(200)).body as {
      state: string;
      falseClaims?: number;
    };
    expect(notice.state).not.toBe('closed');
    expect(requestsFor(path).map((s) => s.method)).toEqual(['HEAD']);
  });

  it('never sends a request for a CSAM notice: the hotline’s check stays the proof', async () => {
    const { id, path } = await claimed('csam', 'csam');
    await eventually(
      () => events(id),
      (t) =>
        t.some((e) => e.type === 'task_opened' && (e.data as { kind?: string }).kind === 'removal_check'),
    );
    // A phishing claim made after this one, probed in two rounds two seconds apart to its close: had the CSAM claim
    // been probed, its rounds (started earlier, on the same clock) would have been sent by then.
    const later = await claimed('phishing', 'gone');
    await eventually(
      async () => (await system.http.get(`/v1/notices/${later.id}`)).body.state as string,
      (s) => s === 'closed',
      30_000,
    );
    expect(requestsFor(later.path).map((s) => s.method)).toEqual(['HEAD', 'HEAD']);
    expect(requestsFor(path)).toEqual([]);
    expect((await events(id)).map((e) => e.type)).not.toContain('removal_probed');
  });

  it('sent HEAD and nothing else to the site over the whole run', () => {
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.filter((s) => s.method !== 'HEAD')).toEqual([]);
  });
});
