import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { IntakeService } from '@takedown/api/intake/intake.service';
import { NoticeEntity, RawMessageEntity } from '@takedown/persistence';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { startMailIntake, type AppProcess } from '../support/app-process';
import { nodeArgs } from '../support/child-build';
import { storeCustomer } from '../support/customers';
import { startDkimDns, type DkimDns } from '../support/dkim';
import { eventually } from '../support/eventually';

const ROOT = path.resolve(__dirname, '..', '..');
const fixtures = path.join(ROOT, 'test', 'fixtures');
const HOTLINE = 'hotline|Example Hotline|ntd@hotline.example';

/**
 * The hotline's NTD mail with a file number and URLs of its own, so that every test opens notices of its own (a
 * report of a URL an open notice covers would join that notice).
 */
function scartMail(): { raw: string; fileNumber: string; urls: string[] } {
  const fileNumber = `2026-${randomUUID().slice(0, 8)}`;
  const id = randomUUID().slice(0, 8);
  const raw = fs
    .readFileSync(path.join(fixtures, 'samples', 'scart-ntd.eml'), 'utf8')
    .replaceAll('2026-0412873', fileNumber)
    .replaceAll('/gallery/a8f3/', `/gallery/${id}/`)
    .replaceAll('/u/4411/', `/u/${id}/`);
  return {
    raw,
    fileNumber,
    urls: [
      `http://203.0.113.70/gallery/${id}/001.jpg`,
      `http://203.0.113.70/gallery/${id}/002.jpg`,
      `http://198.51.100.23/u/${id}/v.mp4`,
    ],
  };
}

/** What each sample of the X-ARF v4 sample set must become: its category, and a URL or an IP notice. */
const XARF_V4: Record<
  string,
  { category: string; url?: string; ip?: string; kept?: Record<string, unknown> }
> = {
  'messaging-spam': { category: 'spam', ip: '192.0.2.25', kept: { smtp_from: 'offers@bulk-sender.example' } },
  'messaging-bulk-messaging': { category: 'spam', ip: '192.0.2.26', kept: { recipient_count: 12000 } },
  'connection-login-attack': {
    category: 'login_attack',
    ip: '198.51.100.77',
    kept: { destination_port: 22, service: 'ssh', attempt_count: 2847 },
  },
  'connection-port-scan': { category: 'scanning', ip: '198.51.100.78', kept: { scan_type: 'syn' } },
  'connection-ddos': { category: 'ddos', ip: '198.51.100.79', kept: { attack_vector: 'ntp_amplification' } },
  'connection-infected-host': { category: 'botnet', ip: '198.51.100.80', kept: { bot_type: 'ddos_bot' } },
  'connection-reconnaissance': { category: 'scanning', ip: '198.51.100.81' },
  // The victim's URL is kept as reported; the notice is about the attacking address.
  'connection-scraping': {
    category: 'web_attack',
    ip: '198.51.100.82',
    kept: { url: 'https://shop.victim.example/catalogue' },
  },
  'connection-sql-injection': { category: 'web_attack', ip: '198.51.100.83', kept: { http_method: 'POST' } },
  'connection-vuln-scanning': { category: 'scanning', ip: '198.51.100.84' },
  'content-phishing': { category: 'phishing', url: 'https://login.bank-lookalike.example/verify' },
  'content-malware': { category: 'malware', url: 'http://downloads.tenant-c.example/invoice.exe' },
  'content-csam': { category: 'csam', url: 'http://203.0.113.70/gallery/x1/001.jpg' },
  'content-csem': { category: 'csam', url: 'http://203.0.113.71/board/t/88' },
  'content-exposed-data': { category: 'other', url: 'http://db-dump.tenant-c.example:8080/export.sql' },
  'content-brand-infringement': { category: 'other', url: 'https://shop.brand-copy.example/' },
  'content-fraud': { category: 'other', url: 'https://crypto-double.example/invest' },
  'content-remote-compromise': {
    category: 'compromised',
    url: 'https://blog.tenant-d.example/wp-content/uploads/shell.php',
  },
  'content-suspicious-registration': { category: 'other', url: 'https://paypa1-secure.example/' },
  'copyright-copyright': {
    category: 'copyright',
    url: 'http://streams.tenant-e.example/show/episode5.mp4',
    kept: {
      infringing_url: 'http://streams.tenant-e.example/show/episode5.mp4',
      work_title: 'Example Show S01E05',
    },
  },
  'copyright-p2p': {
    category: 'copyright',
    ip: '198.51.100.76',
    kept: { swarm_info: { info_hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' } },
  },
  'copyright-cyberlocker': { category: 'copyright', url: 'https://files.locker.example/download/movie.mp4' },
  'copyright-ugc-platform': { category: 'copyright', url: 'https://video.ugc.example/watch?v=abc123' },
  'copyright-link-site': {
    category: 'copyright',
    url: 'https://links.aggregator.example/movie/example-movie',
    kept: { downstream_links: ['https://files.locker.example/file123'] },
  },
  'copyright-usenet': {
    category: 'copyright',
    ip: '198.51.100.90',
    kept: { newsgroup: 'alt.binaries.example' },
  },
  'infrastructure-botnet': {
    category: 'botnet',
    ip: '198.51.100.91',
    kept: { malware_family: 'ExampleBot' },
  },
  'infrastructure-compromised-server': { category: 'compromised', ip: '198.51.100.92' },
  'reputation-blocklist': {
    category: 'blocklisted',
    ip: '198.51.100.93',
    kept: { blocklist_name: 'Example DNSBL' },
  },
  'reputation-threat-intelligence': { category: 'blocklisted', ip: '198.51.100.94' },
  'vulnerability-cve': {
    category: 'vulnerable_service',
    ip: '198.51.100.95',
    kept: { cve_id: 'CVE-2024-3400' },
  },
  'vulnerability-open': { category: 'vulnerable_service', ip: '198.51.100.96', kept: { service: 'rdp' } },
  'vulnerability-misconfiguration': {
    category: 'vulnerable_service',
    ip: '198.51.100.97',
    kept: { misconfiguration_type: 'open_resolver' },
  },
};

describe('formats end to end: X-ARF v4 sample set, IP notices, the hotline’s NTD mail and push', () => {
  let system: RunningSystem;
  let http: Http;
  let db: DataSource;
  let dns: DkimDns;
  let mailIntake: AppProcess;
  let smtpPort: number;

  beforeAll(async () => {
    dns = await startDkimDns();
    const mailEnv = {
      INBOUND_MAIL_DNS_SERVERS: dns.server,
      INBOUND_MAIL_ADDRESSES: 'abuse@provider.example',
      INBOUND_MAIL_SOURCES: `${HOTLINE};provider|Mailbox Example|@mailbox.example`,
    };
    system = await startSystem(mailEnv);
    http = system.http;
    db = system.app.get(DataSource);
    // The SMTP listener is the mail-intake process's, on the system's task queue.
    const started = await startMailIntake({
      ...mailEnv,
      TEMPORAL_TASK_QUEUE: system.env.TEMPORAL_TASK_QUEUE,
    });
    mailIntake = started;
    smtpPort = started.smtpPort;
  }, 120_000);

  afterAll(async () => {
    await mailIntake?.stop();
    await system?.stop();
    await dns?.close();
  });

  const notice = (id: string) => db.getRepository(NoticeEntity).findOneByOrFail({ id });

  it('takes every one of the 32 samples of the X-ARF v4 sample set, in its category, as a URL or an IP notice', async () => {
    const files = fs.readdirSync(path.join(fixtures, 'xarf-v4')).filter((f) => f.endsWith('.json'));
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(Object.keys(XARF_V4).sort());
    const run = randomUUID().slice(0, 8);
    for (const file of files) {
      const name = file.replace(/\.json$/, '');
      const expected = XARF_V4[name];
      const report = JSON.parse(fs.readFileSync(path.join(fixtures, 'xarf-v4', file), 'utf8')) as Record<
        string,
        unknown
      >;
      // A run of its own: the same report id twice is the same notice.
      report.report_id = `${String(report.report_id)}-${run}`;
      const res = await http
        .post('/v1/notices')
        .set('Content-Type', 'application/vnd.xarf+json')
        .send(JSON.stringify(report));
      // 200 only when an open notice of an earlier run already holds the sample's URL.
      expect([name, [200, 201].includes(res.status)]).toEqual([name, true]);
      expect({ name, category: res.body.category, urls: res.body.urls }).toEqual({
        name,
        category: expected.category,
        urls: expected.url ? [expected.url] : [],
      });
      // A URL notice keeps the address it was given too; an IP notice is about that address.
      expect({ name, ip: expected.ip ? res.body.ip : null }).toEqual({ name, ip: expected.ip ?? null });
      expect(res.body.reportedType).toBe(`${String(report.category)}/${String(report.type)}`);
      expect(res.body.reportDetails).toMatchObject({
        evidence_source: report.evidence_source,
        ...expected.kept,
      });
      // Evidence is never kept, not even among the details.
      expect(JSON.stringify((await notice(res.body.id)).reportDetails)).not.toContain('payload');
    }
  });

  it('takes IP notices in a batch too, each its own notice', async () => {
    const read = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(fixtures, 'xarf-v4', `${name}.json`), 'utf8')) as Record<
        string,
        unknown
      >;
    const res = await http
      .post('/v1/notices/batch')
      .send([
        { ...read('connection-port-scan'), report_id: randomUUID() },
        { ...read('infrastructure-botnet'), report_id: randomUUID() },
        {
          source: { kind: 'public', name: 'Someone' },
          sourceReference: randomUUID(),
          category: 'ddos',
          ip: '192.0.2.9',
        },
      ])
      .expect(200);
    expect(res.body).toMatchObject({ created: 3, rejected: 0 });
    const rows = await db
      .getRepository(NoticeEntity)
      .findBy(res.body.items.map((i: { id: string }) => ({ id: i.id })));
    expect(rows.map((r) => `${r.category} ${r.ip} ${r.urls.length}`).sort()).toEqual([
      'botnet 198.51.100.91 0',
      'ddos 192.0.2.9 0',
      'scanning 198.51.100.78 0',
    ]);
  });

  it('reduces URLs in a CSAM report’s details for readers who may not see them in full, as its URLs are', async () => {
    const report = JSON.parse(
      fs.readFileSync(path.join(fixtures, 'xarf-v4', 'content-csam.json'), 'utf8'),
    ) as Record<string, unknown>;
    const secret = `http://203.0.113.70/gallery/${randomUUID()}/002.jpg`;
    const created = await http
      .post('/v1/notices')
      .send({ ...report, report_id: randomUUID(), url: secret, related_urls: [secret] })
      .expect(201);
    expect(created.body.reportDetails.related_urls).toEqual([secret]);
    const legal = await (await system.as('legal')).get(`/v1/notices/${created.body.id}`).expect(200);
    expect(legal.body.reportDetails.related_urls).toEqual(['http://203.0.113.70/[redacted]']);
    expect(JSON.stringify(legal.body)).not.toContain(secret);
  });

  it('takes an IP-based report naming a host name to resolve, and answers a content report without a URL with a 400 naming the field', async () => {
    const read = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(fixtures, 'xarf-v4', `${name}.json`), 'utf8')) as Record<
        string,
        unknown
      >;
    // Resolved at intake (host-names.e2e.spec.ts); here DNS_RESOLVER is a closed loopback port, so without an address.
    const byHost = await http
      .post('/v1/notices')
      .send({
        ...read('connection-login-attack'),
        report_id: randomUUID(),
        source_identifier: 'host.tenant-a.example',
      })
      .expect(201);
    expect(byHost.body).toMatchObject({ host: 'host.tenant-a.example', ip: null, urls: [] });
    const noUrl = await http
      .post('/v1/notices')
      .send({ ...read('content-phishing'), report_id: randomUUID(), url: undefined })
      .expect(400);
    expect(noUrl.body.field).toBe('url');
    const native = await http
      .post('/v1/notices')
      .send({
        source: { kind: 'public', name: 'Someone' },
        sourceReference: randomUUID(),
        category: 'scanning',
      })
      .expect(400);
    expect(JSON.stringify(native.body)).toMatch(/urls must hold at least one URL, or ip must be given/);
  });

  it('runs the notice workflow for an IP notice: attributed by its address, the customer told in words for an address', async () => {
    const { customer, ip, contacts } = await storeCustomer(db, { language: 'nl' });
    const report = JSON.parse(
      fs.readFileSync(path.join(fixtures, 'xarf-v4', 'connection-login-attack.json'), 'utf8'),
    ) as Record<string, unknown>;
    const created = await http
      .post('/v1/notices')
      .send({ ...report, report_id: randomUUID(), source_identifier: ip })
      .expect(201);
    expect(created.body).toMatchObject({ urls: [], ip, category: 'login_attack' });
    const row = await eventually(
      () => notice(created.body.id),
      (n) => n.state === 'customer_notified',
    );
    expect(row).toMatchObject({ customerId: customer.id, policyId: 'default' });
    // Policy version 4 and on: login attacks on a slower clock than CSAM, five days.
    expect(row.policyVersion).toBeGreaterThanOrEqual(4);
    expect(row.deadline!.getTime() - row.receivedAt.getTime()).toBe(5 * 24 * 3_600_000);
    const [email] = (await db.query(
      `SELECT to_addresses, subject FROM outbound_emails WHERE idempotency_key = $1`,
      [`${row.id}:notify:0`],
    )) as { to_addresses: string[]; subject: string }[];
    expect(email.to_addresses).toEqual(contacts);
    expect(email.subject).toMatch(/Melding van misbruik \(inlogaanvallen \(brute force\)\): stoppen vóór/);
  });

  it('takes an ARF feedback report that names only the Source-IP as an IP notice', async () => {
    const arf = fs
      .readFileSync(path.join(fixtures, 'samples', 'arf-phishing.eml'), 'utf8')
      .replace('arf-20261122-0930-77', `arf-${randomUUID()}`)
      .replace(/^Reported-URI:.*\r?\n/im, '');
    expect(arf).not.toMatch(/Reported-URI/i);
    const result = await system.app.get(IntakeService).submitMail(await dns.sign(arf, 'mailbox.example'), {
      channel: 'smtp',
      sender: 'abuse-reports@mailbox.example',
    });
    // The whole result, so that a message kept for the desk instead shows its error (once, in a full run).
    expect(result).toMatchObject({ status: 'created' });
    expect(await notice((result as { noticeId: string }).noticeId)).toMatchObject({
      urls: [],
      ip: '203.0.113.77',
      reportedType: 'arf/fraud',
    });
  });

  it('takes the hotline’s NTD mail over SMTP: one CSAM notice per URL, kind hotline, feedback to where it came from', async () => {
    const { raw, fileNumber, urls } = scartMail();
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true })
      .sendMail({
        envelope: { from: 'ntd@hotline.example', to: 'abuse@provider.example' },
        raw: await dns.sign(raw, 'hotline.example'),
      });
    const rows = await db
      .getRepository(NoticeEntity)
      .createQueryBuilder('n')
      .where('n.source_reference LIKE :ref', { ref: `${fileNumber}/%` })
      .orderBy('n.observed_at')
      .addOrderBy('n.urls')
      .getMany();
    expect(rows.map((r) => r.urls)).toEqual(urls.map((u) => [u]));
    for (const r of rows) {
      expect(r).toMatchObject({
        sourceKind: 'hotline',
        sourceName: 'Example Hotline',
        sourceContact: 'ntd@hotline.example',
        category: 'csam',
        reportedType: 'hotline/ntd',
        reportDetails: expect.objectContaining({ fileNumber }),
      });
    }
    expect(rows.map((r) => r.ip)).toEqual(['203.0.113.70', '203.0.113.70', '198.51.100.23']);
    // Each runs the notice workflow, as every CSAM notice does.
    await eventually(
      () => notice(rows[2].id),
      (n) => n.state !== 'received',
    );
  });

  it('takes the hotline’s NTD mail through the MTA pipe, and the same mail again is the same notices', async () => {
    const { raw, fileNumber } = scartMail();
    const signed = await dns.sign(raw, 'hotline.example');
    const env = {
      DATABASE_URL: system.env.DATABASE_URL!,
      TEMPORAL_ADDRESS: system.env.TEMPORAL_ADDRESS!,
      TEMPORAL_TASK_QUEUE: `pipe-${randomUUID()}`,
      INBOUND_MAIL_SOURCES: HOTLINE,
      INBOUND_MAIL_DNS_SERVERS: dns.server,
      LOG_LEVEL: 'warn',
    };
    const first = await ingest(signed, env);
    expect(first).toMatchObject({ code: 0, stderr: expect.stringMatching(/\(created\)/) });
    expect(first.stderr.match(/notice [0-9a-f-]{36}/g)).toHaveLength(3);
    const again = await ingest(signed, env);
    expect(again).toMatchObject({ code: 0, stderr: expect.stringMatching(/\(existing\)/) });
    expect(
      await db
        .getRepository(NoticeEntity)
        .createQueryBuilder('n')
        .where('n.source_reference LIKE :ref', { ref: `${fileNumber}/%` })
        .getCount(),
    ).toBe(3);
  });

  it('takes the good lines of a broken NTD mail and keeps the mail for the desk with every bad line named', async () => {
    const { raw, fileNumber, urls } = scartMail();
    const broken = raw
      // A bad IP in the body table, a line short of cells and a duplicate in the attachment.
      .replace(`${urls[2]} | 198.51.100.23 |`, `${urls[2]} | 198.51.100.999 |`)
      .replace(`${urls[1]};203.0.113.70;2026-12-03 09:41;2026-12-03 10:02;image`, `${urls[1]};203.0.113.70`)
      .replace(
        /(\r?\n)(\r?\n--ntd-boundary-7--)/,
        `$1${urls[0]};203.0.113.70;2026-12-03 09:41;2026-12-03 10:02;image$1$2`,
      );
    const result = await system.app.get(IntakeService).submitMail(await dns.sign(broken, 'hotline.example'), {
      channel: 'smtp',
      sender: 'ntd@hotline.example',
    });
    // The whole result, so that a failure says why the mail was kept (its `error`): a fresh clone's run once got
    // `kept` here on a loaded machine, and the status alone did not say what stood in the way.
    expect(result).toMatchObject({ status: 'created' });
    const taken = result as { noticeIds: string[]; rawMessageId: string; problems: string };
    const rows = await db.getRepository(NoticeEntity).findBy(taken.noticeIds.map((id) => ({ id })));
    // The bad IP's URL is in the attachment, right there: the attachment's line holds.
    expect(rows.flatMap((r) => r.urls).sort()).toEqual([urls[0], urls[1], urls[2]].sort());
    const kept = await db.getRepository(RawMessageEntity).findOneByOrFail({ id: taken.rawMessageId });
    expect(kept.error).toContain(`hotline file ${fileNumber}: `);
    expect(kept.error).toMatch(/body line \d+ \[ip\]: is not an IP address/);
    expect(kept.error).toMatch(/urls-[\w-]+\.csv line 3: has 2 cells where the header has 5/);
    expect(kept.error).toMatch(
      /urls-[\w-]+\.csv line 5 \[url\]: lists the same URL as urls-[\w-]+\.csv line 2/,
    );
    // Nothing that identifies the material is in the desk's error line.
    expect(kept.error).not.toContain(urls[2]);
  });

  it('keeps an NTD mail in the hotline’s name without its DKIM signature for the desk, opening no notice', async () => {
    const { raw, fileNumber } = scartMail();
    const result = await system.app
      .get(IntakeService)
      .submitMail(Buffer.from(raw), { channel: 'smtp', sender: 'ntd@hotline.example' });
    expect(result).toMatchObject({ status: 'kept', error: expect.stringMatching(/^not authenticated/) });
    expect(
      await db
        .getRepository(NoticeEntity)
        .createQueryBuilder('n')
        .where('n.source_reference LIKE :ref', { ref: `${fileNumber}/%` })
        .getCount(),
    ).toBe(0);
  });

  it('takes the hotline’s push with a hotline token: one notice per URL, every line answered, idempotent', async () => {
    const hotline = await system.as('source', {
      source: { kind: 'hotline', name: `Hotline ${randomUUID()}` },
    });
    const id = randomUUID().slice(0, 8);
    const fileNumber = `2026-${id}`;
    const body = {
      fileNumber,
      contact: 'ntd@hotline.example',
      urls: [
        {
          url: `http://203.0.113.70/p/${id}/1.jpg`,
          ip: '203.0.113.70',
          firstSeen: '2026-12-03 09:41',
          note: 'image',
        },
        { url: `http://203.0.113.70/p/${id}/2.jpg`, ip: '203.0.113.999' },
        {
          url: `http://198.51.100.23/p/${id}/3.mp4`,
          ip: '198.51.100.23',
          lastSeen: '2026-12-03T10:05:00+01:00',
        },
        { url: `http://203.0.113.70/p/${id}/1.jpg`, ip: '203.0.113.70' },
        { url: `http://203.0.113.70/p/${id}/5.jpg`, firstSeen: 'yesterday' },
      ],
    };
    const res = await hotline.post('/v1/intake/hotline').send(body).expect(200);
    expect(res.body).toMatchObject({ fileNumber, created: 2, existing: 0, rejected: 3 });
    expect(res.body.items).toEqual([
      { index: 0, status: 'created', id: expect.any(String) },
      { index: 1, status: 'rejected', reason: 'ip is not an IP address', field: 'urls[1].ip' },
      { index: 2, status: 'created', id: expect.any(String) },
      {
        index: 3,
        status: 'rejected',
        reason: 'url lists the same URL as urls[0]; taken once',
        field: 'urls[3].url',
      },
      {
        index: 4,
        status: 'rejected',
        reason: expect.stringMatching(/^firstSeen must be a date and time/),
        field: 'urls[4].firstSeen',
      },
    ]);
    const first = await notice(res.body.items[0].id);
    expect(first).toMatchObject({
      sourceKind: 'hotline',
      sourceContact: 'ntd@hotline.example',
      category: 'csam',
      ip: '203.0.113.70',
      observedAt: new Date('2026-12-03T08:41:00Z'),
      reportDetails: expect.objectContaining({ fileNumber, note: 'image' }),
    });
    const again = await hotline.post('/v1/intake/hotline').send(body).expect(200);
    expect(again.body).toMatchObject({ created: 0, existing: 2, rejected: 3 });
    expect(again.body.items[0].id).toBe(res.body.items[0].id);

    const noFile = await hotline.post('/v1/intake/hotline').send({ urls: body.urls }).expect(400);
    expect(noFile.body.field).toBe('fileNumber');
    const noList = await hotline.post('/v1/intake/hotline').send({ fileNumber }).expect(400);
    expect(noList.body.field).toBe('urls');
    await (await system.as('account_manager')).post('/v1/intake/hotline').send(body).expect(403);
    // Staff push in a hotline's name, which they must give.
    const desk = await system.as('abuse_desk');
    const nameless = await desk.post('/v1/intake/hotline').send(body).expect(400);
    expect(nameless.body.field).toBe('source');
    const byDesk = await desk
      .post('/v1/intake/hotline')
      .send({ ...body, fileNumber: `${fileNumber}-d`, source: { kind: 'hotline', name: 'Example Hotline' } })
      .expect(200);
    // The same URLs are open notices now: the desk's reports join them, new reports (`created`) of the same notices.
    expect(byDesk.body).toMatchObject({ created: 2, existing: 0, rejected: 3 });
    expect(byDesk.body.items[0].id).toBe(res.body.items[0].id);
  });

  it('takes the hotline’s own checks as the proof for CSAM: gone confirms the removal, online counts a claim false', async () => {
    const hotline = await system.as('source', {
      source: { kind: 'hotline', name: `Hotline ${randomUUID()}` },
    });
    const desk = await system.as('abuse_desk');
    const { ip } = await storeCustomer(db);
    const id = randomUUID().slice(0, 8);
    const fileNumber = `2026-${id}`;
    const urls = [1, 2, 3].map((n) => `http://${ip}/c/${id}/${n}.jpg`);
    const pushed = await hotline
      .post('/v1/intake/hotline')
      .send({ fileNumber, urls: urls.map((url) => ({ url, ip })) })
      .expect(200);
    const ids = (pushed.body.items as { id: string }[]).map((i) => i.id);
    for (const n of ids)
      await eventually(
        () => notice(n),
        (row) => row.state === 'customer_notified',
      );
    // The customer says the second is gone: the hotline's check is what decides.
    await desk.post(`/v1/notices/${ids[1]}/actions/customer-response`).send({ kind: 'removed' }).expect(200);

    const checks = await hotline
      .post('/v1/intake/hotline/checks')
      .send({
        fileNumber,
        checks: [
          { url: urls[0], online: false, checkedAt: '2026-12-05T10:00:00Z' },
          { url: urls[1], online: true },
          { url: `http://${ip}/c/${id}/never-reported.jpg`, online: false },
          { url: urls[2], online: true },
        ],
      })
      .expect(200);
    expect(checks.body).toEqual({
      fileNumber,
      items: [
        { index: 0, outcome: 'confirmed', noticeId: ids[0] },
        { index: 1, outcome: 'still_online', noticeId: ids[1] },
        { index: 2, outcome: 'unknown' },
        {
          index: 3,
          outcome: 'refused',
          noticeId: ids[2],
          code: 'NOTICE.NO_CLAIM',
          state: 'customer_notified',
        },
      ],
    });
    // No URL in the answer: the hotline knows which it sent, and a CSAM path is never echoed.
    expect(JSON.stringify(checks.body)).not.toContain('/c/');
    expect(await notice(ids[0])).toMatchObject({ state: 'closed', outcome: 'removed_in_time' });
    expect((await notice(ids[1])).state).not.toBe('awaiting_confirmation');
    const events = (await db.query(`SELECT type FROM notice_events WHERE notice_id = $1 ORDER BY id`, [
      ids[1],
    ])) as { type: string }[];
    expect(events.map((e) => e.type)).toContain('still_online');

    // Another hotline's checks find nothing of this one's; bad checks name their field.
    const other = await system.as('source', { source: { kind: 'hotline', name: `Hotline ${randomUUID()}` } });
    const foreign = await other
      .post('/v1/intake/hotline/checks')
      .send({ fileNumber, checks: [{ url: urls[2], online: false }] })
      .expect(200);
    expect(foreign.body.items).toEqual([{ index: 0, outcome: 'unknown' }]);
    for (const [body, field] of [
      [{ checks: [{ url: urls[0], online: false }] }, 'fileNumber'],
      [{ fileNumber, checks: [] }, 'checks'],
      [{ fileNumber, checks: [{ url: urls[0] }] }, 'checks[0].online'],
      [{ fileNumber, checks: [{ url: urls[0], online: true, checkedAt: 'soon' }] }, 'checks[0].checkedAt'],
    ] as const) {
      const bad = await hotline.post('/v1/intake/hotline/checks').send(body).expect(400);
      expect(bad.body.field).toBe(field);
      expect(JSON.stringify(bad.body)).not.toContain('/c/');
    }
    await (
      await system.as('account_manager')
    )
      .post('/v1/intake/hotline/checks')
      .send({ fileNumber, checks: [{ url: urls[2], online: false }] })
      .expect(403);
    expect((await notice(ids[2])).state).toBe('customer_notified');
  });
});

/** `takedown ingest-mail` as an MTA runs it. */
function ingest(
  input: Buffer,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs('apps/cli/src/main.ts'), 'ingest-mail'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
