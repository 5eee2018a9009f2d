import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { IntakeService } from '@takedown/api/intake/intake.service';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { startDkimDns, type DkimDns } from '../support/dkim';
import { startTestDns, type TestDns } from '../support/dns-server';

type Event = { type: string; actor: string; data: Record<string, unknown> };
type View = {
  id: string;
  ip: string | null;
  host: string | null;
  linkedNotices: string[];
  timeline: Event[];
};

const samples = path.resolve(__dirname, '..', 'fixtures', 'samples');
const hostName = (label: string) => `${label}-${randomUUID().slice(0, 8)}.hosting.example`;
const native = (url: string) => ({
  source: { kind: 'hotline', name: 'Example Hotline' },
  sourceReference: `batch-host-${randomUUID()}`,
  category: 'phishing',
  urls: [url],
});

/**
 * The batch intake and mail resolve a report's host name as `POST /v1/notices` does (one shared function,
 * apps/api/src/intake/host-names.ts), against a DNS server on loopback: a batch asks each distinct name once.
 */
describe('host names resolved in batches and mail', () => {
  let system: RunningSystem;
  let http: Http;
  let db: DataSource;
  let dns: TestDns;
  let dkim: DkimDns;
  let a: StoredCustomer;
  let b: StoredCustomer;

  beforeAll(async () => {
    dns = await startTestDns();
    dkim = await startDkimDns();
    system = await startSystem({
      DNS_RESOLVER: dns.server,
      DNS_TIMEOUT_MS: '500',
      INBOUND_MAIL_DNS_SERVERS: dkim.server,
      INBOUND_MAIL_SOURCES: 'provider|Mailbox Example|@mailbox.example',
    });
    http = system.http;
    db = system.app.get(DataSource);
    [a, b] = [await storeCustomer(db), await storeCustomer(db)];
  });

  afterAll(async () => {
    await system?.stop();
    await dns?.close();
    await dkim?.close();
  });

  const view = async (id: string): Promise<View> =>
    (await http.get(`/v1/notices/${id}`).expect(200)).body as View;
  const resolved = (n: View) => n.timeline.find((e) => e.type === 'host_resolved');
  const askedFor = (host: string) => dns.asked.filter((q) => q.name === host);

  it('resolves each distinct host of a batch once, and attributes every item by the answers', async () => {
    const shared = hostName('shared');
    const single = hostName('single');
    const gone = hostName('gone');
    dns.zone.set(shared, { A: [a.ip, b.ip] });
    dns.zone.set(single, { A: [b.ip] });
    const items = [
      native(`https://${shared}/one`),
      native(`https://${shared}/two`),
      native(`https://${single}/login`),
      native(`https://${shared}/three`),
      native(`https://${gone}/x`),
      { ...native(`https://${single}/with-ip`), ip: a.ip },
    ];
    const res = await http.post('/v1/notices/batch').send(items).expect(200);
    expect(res.body).toMatchObject({ created: 6, rejected: 0 });
    const ids = (res.body.items as { id: string }[]).map((i) => i.id);

    // One question per name and type for the whole batch, however many items name it.
    expect(askedFor(shared)).toEqual([
      { name: shared, type: 'A' },
      { name: shared, type: 'AAAA' },
    ]);
    expect(askedFor(single)).toHaveLength(2);

    // A host held by two customers: one notice each, linked, as a single notice would get.
    for (const id of [ids[0], ids[1], ids[3]]) {
      const first = await view(id);
      expect(first).toMatchObject({ host: shared, ip: a.ip, linkedNotices: [expect.any(String)] });
      expect(resolved(first)).toMatchObject({
        actor: 'system:intake',
        data: { host: shared, resolver: dns.server, addresses: [a.ip, b.ip], ip: a.ip },
      });
      expect(await view(first.linkedNotices[0])).toMatchObject({ host: shared, ip: b.ip });
    }
    expect(await view(ids[2])).toMatchObject({ host: single, ip: b.ip, linkedNotices: [] });
    const nx = await view(ids[4]);
    expect(nx).toMatchObject({ host: gone, ip: null });
    expect(resolved(nx)?.data).toMatchObject({ host: gone, addresses: [], error: 'NXDOMAIN' });
    // A report that gives its address is not resolved.
    const given = await view(ids[5]);
    expect(given).toMatchObject({ ip: a.ip, host: null });
    expect(resolved(given)).toBeUndefined();
  });

  it('takes an X-ARF item of a batch whose source is a host name, which it used to refuse', async () => {
    const host = hostName('scanner');
    dns.zone.set(host, { A: [a.ip] });
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
    const res = await http.post('/v1/notices/batch').send([report]).expect(200);
    expect(res.body).toMatchObject({ created: 1, rejected: 0 });
    const notice = await view((res.body.items as { id: string }[])[0].id);
    expect(notice).toMatchObject({ ip: a.ip, host });
    expect(resolved(notice)?.data).toMatchObject({ host, resolver: dns.server, addresses: [a.ip] });
  });

  it('resolves the host of a mailed report that gives no address', async () => {
    const host = hostName('mailed');
    dns.zone.set(host, { A: [b.ip] });
    const arf = fs
      .readFileSync(path.join(samples, 'arf-phishing.eml'), 'utf8')
      .replace('arf-20261122-0930-77', `arf-${randomUUID()}`)
      .replace(/^Source-IP: .*\r?\n/m, '')
      .replaceAll('203.0.113.77', 'the sender')
      .replaceAll('pay-update.tenant-c.example', host);
    const result = await system.app.get(IntakeService).submitMail(await dkim.sign(arf, 'mailbox.example'), {
      channel: 'smtp',
      sender: 'abuse-reports@mailbox.example',
    });
    expect(result.status).toBe('created');
    const notice = await view((result as { noticeId: string }).noticeId);
    expect(notice).toMatchObject({ host, ip: b.ip });
    expect(resolved(notice)?.data).toMatchObject({ host, resolver: dns.server, addresses: [b.ip] });
    expect(askedFor(host)).toHaveLength(2);
  });
});
