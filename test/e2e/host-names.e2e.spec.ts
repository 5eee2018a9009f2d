import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startSystem, authorizedHttp, type Http, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { startTestDns, type TestDns } from '../support/dns-server';
import { eventually } from '../support/eventually';

type Event = { type: string; actor: string; data: Record<string, unknown> };
type View = {
  id: string;
  ip: string | null;
  host: string | null;
  linkedNotices: string[];
  customerId: string | null;
  state: string;
  timeline: Event[];
  pendingTasks: { kind: string }[];
};

const hostName = (label: string) => `${label}-${randomUUID().slice(0, 8)}.hosting.example`;
const native = (url: string) => ({
  source: { kind: 'hotline', name: 'Example Hotline' },
  sourceReference: `host-${randomUUID()}`,
  category: 'phishing',
  urls: [url],
});
const resolved = (n: View) => n.timeline.find((e) => e.type === 'host_resolved');

/**
 * Reports that name a host and no address, resolved at intake through DNS_RESOLVER: a DNS server on loopback is the
 * only one the stack asks (test/support/global-setup.ts points every other test at a closed loopback port).
 */
describe('host names resolved at intake', () => {
  let system: RunningSystem;
  let http: Http;
  let db: DataSource;
  let dns: TestDns;

  beforeAll(async () => {
    dns = await startTestDns();
    system = await startSystem({ DNS_RESOLVER: dns.server, DNS_TIMEOUT_MS: '500' });
    http = system.http;
    db = system.app.get(DataSource);
  });

  afterAll(async () => {
    await system?.stop();
    await dns?.close();
  });

  const view = async (id: string): Promise<View> =>
    (await http.get(`/v1/notices/${id}`).expect(200)).body as View;

  it('makes one notice per customer holding an address of the host, linked, each attributed by its address', async () => {
    const [a, b] = [await storeCustomer(db), await storeCustomer(db)];
    const host = hostName('shared');
    // The AAAA address is nobody's: it is recorded, but makes no notice of its own.
    dns.zone.set(host, { A: [a.ip, b.ip], AAAA: ['2001:db8::5'] });
    const body = native(`https://${host}/login/verify`);

    const created = await http.post('/v1/notices').send(body).expect(201);
    const first = created.body as View;
    expect(first).toMatchObject({ host, ip: a.ip, linkedNotices: [expect.any(String)] });
    const other = await view(first.linkedNotices[0]);
    expect(other).toMatchObject({ host, ip: b.ip, linkedNotices: [first.id], urls: body.urls });
    for (const n of [first, other]) {
      expect(resolved(n)).toMatchObject({
        actor: 'system:intake',
        data: { host, resolver: dns.server, addresses: [a.ip, b.ip, '2001:db8::5'], ip: n.ip },
      });
    }
    expect(dns.asked).toEqual(
      expect.arrayContaining([
        { name: host, type: 'A' },
        { name: host, type: 'AAAA' },
      ]),
    );

    for (const [id, customer] of [
      [first.id, a],
      [other.id, b],
    ] as const) {
      await eventually(
        () => view(id),
        (n) => n.customerId === customer.customer.id,
      );
    }

    // The report sent again is the first notice, and makes no other.
    const again = await http.post('/v1/notices').send(body).expect(200);
    expect(again.body.id).toBe(first.id);
    const count = (await db.query(`SELECT count(*)::int AS n FROM notices WHERE host = $1`, [host])) as {
      n: number;
    }[];
    expect(count[0].n).toBe(2);

    // An account manager sees the notice of their customer, not that another customer's notice exists.
    const asAm = await authorizedHttp(system.app, 'account_manager', {
      accountManagerEmail: a.customer.accountManagerEmail ?? undefined,
    });
    const seenByAm = (await asAm.get(`/v1/notices/${first.id}`).expect(200)).body as View;
    expect(seenByAm).toMatchObject({ id: first.id, linkedNotices: [] });
    await asAm.get(`/v1/notices/${other.id}`).expect(404);
  });

  it('takes an X-ARF report whose source is a host name as a notice about its address', async () => {
    const c = await storeCustomer(db);
    const host = hostName('scanner');
    dns.zone.set(host, { A: [c.ip] });
    const report = {
      xarf_version: '4.0.0',
      report_id: `xarf-${randomUUID()}`,
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      reporter: { org: 'Example CERT', contact: 'cert@cert.example', domain: 'cert.example' },
      sender: { org: 'Example CERT', contact: 'cert@cert.example', domain: 'cert.example' },
      source_identifier: host,
      category: 'connection',
      type: 'login_attack',
      destination_port: 22,
    };
    const created = await http.post('/v1/notices').send(report).expect(201);
    expect(created.body).toMatchObject({
      category: 'login_attack',
      urls: [],
      ip: c.ip,
      host,
      linkedNotices: [],
    });
    await eventually(
      () => view(created.body.id),
      (n) => n.customerId === c.customer.id,
    );
  });

  it('leaves a notice whose host does not exist (NXDOMAIN) to the desk, with the answer on its timeline', async () => {
    const host = hostName('gone');
    const created = await http
      .post('/v1/notices')
      .send(native(`https://${host}/x`))
      .expect(201);
    expect(created.body).toMatchObject({ host, ip: null, linkedNotices: [] });
    expect(resolved(created.body as View)!.data).toEqual({
      host,
      resolver: dns.server,
      addresses: [],
      error: 'NXDOMAIN',
    });
    const waiting = await eventually(
      () => view(created.body.id),
      (n) => n.pendingTasks.some((t) => t.kind === 'attribute'),
    );
    expect(waiting.state).toBe('unattributed');
  });

  it('takes the notice without an address when the resolver does not answer in DNS_TIMEOUT_MS', async () => {
    const host = hostName('slow');
    dns.silent.add(host);
    const started = Date.now();
    const created = await http
      .post('/v1/notices')
      .send(native(`https://${host}/x`))
      .expect(201);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(created.body).toMatchObject({ host, ip: null });
    expect(resolved(created.body as View)!.data).toMatchObject({ addresses: [], error: 'TIMEOUT' });
    await eventually(
      () => view(created.body.id),
      (n) => n.pendingTasks.some((t) => t.kind === 'attribute'),
    );
  });

  it('asks nothing for a notice that gives its address, or whose URL is an address', async () => {
    const c = await storeCustomer(db);
    const host = hostName('given');
    dns.zone.set(host, { A: ['192.0.2.99'] });
    const withIp = await http
      .post('/v1/notices')
      .send({ ...native(`https://${host}/x`), ip: c.ip })
      .expect(201);
    const byAddress = await http
      .post('/v1/notices')
      .send(native(`http://${c.ip}/y`))
      .expect(201);
    for (const n of [withIp.body, byAddress.body] as View[]) {
      expect(n).toMatchObject({ host: null, ip: n.ip });
      expect(resolved(n)).toBeUndefined();
    }
    expect(dns.asked.some((q) => q.name === host)).toBe(false);
  });
});
