import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { IntakeService } from '@takedown/api/intake/intake.service';
import { NoticeEntity, RawMessageEntity } from '@takedown/persistence';
import { startSystem, type Http, type RunningSystem } from '../support/api';
import { startMailIntake, residentBytes, type AppProcess } from '../support/app-process';
import { startDkimDns, type DkimDns } from '../support/dkim';
import { eventually } from '../support/eventually';
import { greeting, smtpFlood } from '../support/smtp-flood';

const samples = path.join(__dirname, '..', 'fixtures', 'samples');
const xarf = (overrides: Record<string, unknown> = {}) => {
  const id = randomUUID();
  return {
    ...(JSON.parse(fs.readFileSync(path.join(samples, 'xarf-csam.json'), 'utf8')) as Record<string, unknown>),
    report_id: `xarf-${id}`,
    url: `https://files.tenant-a.example/gallery/${id}`,
    ...overrides,
  };
};
const native = (ref = `batch-${randomUUID()}`) => ({
  source: { kind: 'hotline', name: 'Example Hotline' },
  sourceReference: ref,
  category: 'phishing',
  urls: [`https://login.tenant-b.example/${ref}`],
});

/** Every intake channel on the real stack ends in the same notice, through POST /v1/notices's own intake. */
describe('intake channels end to end', () => {
  let system: RunningSystem;
  let http: Http;
  let db: DataSource;
  let dns: DkimDns;

  beforeAll(async () => {
    dns = await startDkimDns();
    system = await startSystem({
      INBOUND_MAIL_DNS_SERVERS: dns.server,
      POLICY_PROFILE: 'demo',
      INBOUND_MAIL_SOURCES:
        'hotline|Example Hotline|reports@hotline.example;provider|Mailbox Example|@mailbox.example',
    });
    http = system.http;
    db = system.app.get(DataSource);
  });

  afterAll(async () => {
    await system?.stop();
    await dns?.close();
  });

  const notice = async (id: string) => db.getRepository(NoticeEntity).findOneByOrFail({ id });

  it('takes an X-ARF report by its media type: report id as reference, hashes kept, evidence dropped', async () => {
    const body = xarf();
    const created = await http
      .post('/v1/notices')
      .set('Content-Type', 'application/vnd.xarf+json')
      .send(JSON.stringify(body))
      .expect(201);
    expect(created.body).toMatchObject({
      category: 'csam',
      sourceReference: body.report_id,
      source: { kind: 'hotline', name: 'Example Hotline' },
      ip: '198.51.100.23',
      reportedType: 'content/csam',
    });
    const row = await notice(created.body.id);
    expect(row.hashes).toEqual({
      sha256: '4f6d0b1c9a7e2d35b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6',
      'evidence.0': 'sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
    });
    expect(JSON.stringify(row)).not.toContain('YXNzZXNzbWVudCByZWYgQS0xNzc=');
    // Detected by xarf_version under plain JSON too; the same report id is the same notice.
    const again = await http.post('/v1/notices').send(body).expect(200);
    expect(again.body.id).toBe(created.body.id);
    await eventually(
      async () => (await http.get(`/v1/notices/${created.body.id}`)).body,
      (n) => n.timeline.some((e: { type: string }) => e.type === 'received'),
    );
  });

  it('keeps an unknown X-ARF type as other with the type as reported', async () => {
    const res = await http
      .post('/v1/notices')
      .send(xarf({ type: 'brand_infringement' }))
      .expect(201);
    expect(res.body).toMatchObject({ category: 'other', reportedType: 'content/brand_infringement' });
  });

  it('answers bad X-ARF with a 400 naming the X-ARF field, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ report_id: undefined }, 'report_id'],
      [{ source_identifier: '198.51.100.300' }, 'source_identifier'],
      [{ timestamp: new Date(Date.now() + 86_400_000).toISOString() }, 'timestamp'],
      [{ reporter: { org: 'Example Hotline' } }, 'reporter.contact'],
    ];
    for (const [overrides, field] of cases) {
      const body = xarf(overrides);
      const res = await http.post('/v1/notices').send(body).expect(400);
      expect(res.body).toMatchObject({ code: 'INTAKE.INVALID', field });
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM notices WHERE $1 = ANY (urls)`, [
        body.url,
      ]);
      expect(n).toBe(0);
    }
  });

  it('makes two notices of one report id from two sources, and one from one source', async () => {
    const reportId = `dup-${randomUUID()}`;
    const fromHotline = await http
      .post('/v1/notices')
      .send(xarf({ report_id: reportId }))
      .expect(201);
    const otherSource = xarf({
      report_id: reportId,
      reporter: { org: 'Other Hotline', contact: 'r@other.example', domain: 'other.example' },
    });
    const fromOther = await http.post('/v1/notices').send(otherSource).expect(201);
    expect(fromOther.body.id).not.toBe(fromHotline.body.id);
    const sameSourceNewUrl = await http
      .post('/v1/notices')
      .send(xarf({ report_id: reportId }))
      .expect(200);
    expect(sameSourceNewUrl.body.id).toBe(fromHotline.body.id);
  });

  it('takes a batch item by item: created, existing, rejected with the reason', async () => {
    const known = native();
    await http.post('/v1/notices').send(known).expect(201);
    const res = await http
      .post('/v1/notices/batch')
      .send([
        native(),
        known,
        { ...native(), ip: 'not-an-ip' },
        xarf(),
        xarf({ timestamp: 'soon' }),
        { ...native(), description: 'a NUL \u0000 character' },
        'not an object',
      ])
      .expect(200);
    expect(res.body).toMatchObject({ created: 2, existing: 1, rejected: 4 });
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual([
      'created',
      'existing',
      'rejected',
      'created',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(res.body.items[2]).toMatchObject({ field: 'ip' });
    expect(res.body.items[4]).toMatchObject({ field: 'timestamp' });
  });

  it('takes JSON lines, a broken line being one rejected item', async () => {
    const lines = [JSON.stringify(native()), '{"broken', JSON.stringify(native())].join('\n');
    const res = await http
      .post('/v1/notices/batch')
      .set('Content-Type', 'application/x-ndjson')
      .send(lines)
      .expect(200);
    expect(res.body).toMatchObject({ created: 2, rejected: 1 });
    await http.post('/v1/notices/batch').send([]).expect(400);
  });

  it('opens plain mail for triage without a workflow, and starts it when the desk confirms the category', async () => {
    const intake = system.app.get(IntakeService);
    const url = `http://files.tenant-a.example/${randomUUID()}.jpg`;
    const raw = await dns.sign(
      `From: reports@hotline.example\r\nTo: abuse@provider.example\r\nSubject: remove please\r\n` +
        `Message-ID: <${randomUUID()}@hotline.example>\r\n\r\nPlease remove ${url} on 198.51.100.23\r\n`,
      'hotline.example',
    );
    const result = await intake.submitMail(raw, { channel: 'smtp', sender: 'reports@hotline.example' });
    expect(result.status).toBe('created');
    const id = (result as { noticeId: string }).noticeId;
    const waiting = (await http.get(`/v1/notices/${id}`).expect(200)).body;
    expect(waiting).toMatchObject({ state: 'needs_triage', urls: [url], timeline: [] });
    expect(waiting.originalText).toContain('Please remove');
    await http.post(`/v1/notices/${id}/actions/escalate-now`).send({ by: 'desk:e2e' }).expect(409);

    await http.post(`/v1/notices/${id}/triage`).send({ by: 'desk:e2e', category: 'csam' }).expect(200);
    const started = await eventually(
      async () => (await http.get(`/v1/notices/${id}`)).body,
      (n) => n.timeline.some((e: { type: string }) => e.type === 'unattributed'),
    );
    expect(started.category).toBe('csam');
    // The desk member is the token that triaged, not the `by` its body named.
    expect(started.timeline[0]).toMatchObject({ type: 'triaged', actor: expect.stringMatching(/^token:/) });
    await http.post(`/v1/notices/${id}/triage`).send({ by: 'desk:e2e', category: 'csam' }).expect(409);
  });

  it('keeps mail it cannot read as a raw message with the reason, attachments only by hash', async () => {
    const intake = system.app.get(IntakeService);
    const before = await db.getRepository(NoticeEntity).count();
    const arf = fs.readFileSync(path.join(samples, 'arf-phishing.eml'));
    const truncated = await dns.sign(
      arf.subarray(0, arf.indexOf('Content-Type: message/feedback-report')),
      'mailbox.example',
    );
    const result = await intake.submitMail(truncated, { channel: 'pipe', sender: 'x@mailbox.example' });
    expect(result).toMatchObject({ status: 'kept', error: expect.stringMatching(/feedback-report/) });
    const unknownSender = await intake.submitMail(
      await dns.sign(
        arf.toString().replace(/abuse-reports@mailbox\.example/g, 'someone@elsewhere.example'),
        'elsewhere.example',
      ),
      { channel: 'smtp', sender: 'someone@elsewhere.example' },
    );
    expect(unknownSender).toMatchObject({ status: 'kept', error: expect.stringMatching(/sender list/) });
    expect(await db.getRepository(NoticeEntity).count()).toBe(before);
    const listed = (await http.get('/v1/raw-messages?limit=5').expect(200)).body;
    expect(listed).toMatchObject({ limit: 5, offset: 0, total: expect.any(Number) });
    expect(listed.items.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([(result as { rawMessageId: string }).rawMessageId]),
    );
    // Paged as the other lists: the next page starts where this one ended, and bad bounds are named.
    const second = (await http.get('/v1/raw-messages?limit=1&offset=1').expect(200)).body;
    expect(second.items[0].id).toBe(listed.items[1].id);
    expect(second.total).toBe(listed.total);
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=x', 'limit'],
      ['offset=-1', 'offset'],
    ]) {
      const bad = await http.get(`/v1/raw-messages?${query}`).expect(400);
      expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    expect(await db.getRepository(RawMessageEntity).countBy({ channel: 'pipe' })).toBeGreaterThan(0);
  });

  it('takes the ARF sample from a listed sender as a phishing notice', async () => {
    const intake = system.app.get(IntakeService);
    const arf = fs
      .readFileSync(path.join(samples, 'arf-phishing.eml'), 'utf8')
      .replace('arf-20261122-0930-77', `arf-${randomUUID()}`)
      .replace('/invoice/confirm', `/invoice/${randomUUID()}`);
    const result = await intake.submitMail(await dns.sign(arf, 'mailbox.example'), {
      channel: 'smtp',
      sender: 'abuse-reports@mailbox.example',
    });
    expect(result.status).toBe('created');
    const n = await notice((result as { noticeId: string }).noticeId);
    expect(n).toMatchObject({
      category: 'phishing',
      ip: '203.0.113.77',
      reportedType: 'arf/fraud',
      sourceKind: 'provider',
    });
  });

  it("keeps mail in a hotline's name without its domain's DKIM signature for the desk, opening no notice", async () => {
    const intake = system.app.get(IntakeService);
    const before = await db.getRepository(NoticeEntity).count();
    const url = `http://files.tenant-a.example/${randomUUID()}.jpg`;
    const forged = `From: reports@hotline.example\r\nTo: abuse@provider.example\r\nSubject: NTD\r\n\r\nRemove ${url}\r\n`;
    const unsigned = await intake.submitMail(Buffer.from(forged), {
      channel: 'smtp',
      sender: 'reports@hotline.example',
    });
    expect(unsigned).toMatchObject({
      status: 'kept',
      error: expect.stringMatching(/^not authenticated: no DKIM/),
    });
    const signedByOther = await intake.submitMail(await dns.sign(forged, 'attacker.example'), {
      channel: 'pipe',
      sender: 'reports@hotline.example',
    });
    expect(signedByOther).toMatchObject({
      status: 'kept',
      error: expect.stringMatching(/^not authenticated/),
    });
    expect(await db.getRepository(NoticeEntity).count()).toBe(before);
    const kept = await db
      .getRepository(RawMessageEntity)
      .findOneByOrFail({ id: (unsigned as { rawMessageId: string }).rawMessageId });
    expect(kept.error).toMatch(/^From: not authenticated/);
  });

  it('answers a DNS outage as temporary, so that the sending server tries again', async () => {
    const intake = system.app.get(IntakeService);
    const signed = await dns.sign(
      `From: reports@hotline.example\r\nTo: abuse@provider.example\r\n\r\nRemove http://x.tenant-a.example/${randomUUID()}\r\n`,
      'hotline.example',
    );
    dns.failing.add('hotline.example');
    try {
      await expect(
        intake.submitMail(signed, { channel: 'smtp', sender: 'reports@hotline.example' }),
      ).rejects.toMatchObject({ code: 'MAIL_AUTH.UNAVAILABLE' });
    } finally {
      dns.failing.delete('hotline.example');
    }
  });
});

/** The SMTP listener in its own process (apps/mail-intake), writing through the same intake as the API's. */
describe('inbound SMTP listener', () => {
  let system: RunningSystem;
  let mailIntake: AppProcess;
  let port: number;
  let dns: DkimDns;
  beforeAll(async () => {
    dns = await startDkimDns();
    const mailEnv = {
      INBOUND_MAIL_DNS_SERVERS: dns.server,
      INBOUND_MAIL_ADDRESSES: 'abuse@provider.example',
      INBOUND_MAIL_MAX_BYTES: String(1024 * 1024),
      INBOUND_SMTP_MAX_CLIENTS: '3',
      INBOUND_MAIL_SOURCES: 'provider|Mailbox Example|@mailbox.example',
    };
    system = await startSystem(mailEnv);
    // On the system's task queue, so that what it opens runs on the system's worker.
    const started = await startMailIntake({
      ...mailEnv,
      TEMPORAL_TASK_QUEUE: system.env.TEMPORAL_TASK_QUEUE,
    });
    mailIntake = started;
    port = started.smtpPort;
  }, 120_000);
  afterAll(async () => {
    await mailIntake?.stop();
    await system?.stop();
    await dns?.close();
  });

  const send = (from: string, to: string, raw: string | Buffer) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
      .sendMail({ envelope: { from, to }, raw });

  it('takes an ARF report from an allowed sender for the abuse address', async () => {
    const arf = fs
      .readFileSync(path.join(samples, 'arf-phishing.eml'), 'utf8')
      .replace('arf-20261122-0930-77', `arf-${randomUUID()}`)
      .replace('/invoice/confirm', `/invoice/${randomUUID()}`);
    const ref = /Message-ID: <([^>]+)>/.exec(arf)![1];
    await send(
      'abuse-reports@mailbox.example',
      'abuse@provider.example',
      await dns.sign(arf, 'mailbox.example'),
    );
    const db = system.app.get(DataSource);
    const row = await db.getRepository(NoticeEntity).findOneBy({ sourceReference: ref });
    // Taken (250) but no notice: the message was kept for the desk, and its error says why (DKIM, the DNS lookup).
    const kept = row ? null : await db.getRepository(RawMessageEntity).findOneBy({ messageId: `<${ref}>` });
    expect({ notice: row, keptForTheDesk: kept?.error ?? null }).toMatchObject({
      notice: { category: 'phishing', sourceName: 'Mailbox Example' },
      keptForTheDesk: null,
    });
  });

  it('takes an allowed envelope sender with an unsigned message, and keeps it for the desk as no notice', async () => {
    const db = system.app.get(DataSource);
    const arf = fs
      .readFileSync(path.join(samples, 'arf-phishing.eml'), 'utf8')
      .replace('arf-20261122-0930-77', `arf-${randomUUID()}`);
    const ref = /Message-ID: <([^>]+)>/.exec(arf)![1];
    await send('abuse-reports@mailbox.example', 'abuse@provider.example', arf);
    expect(await db.getRepository(NoticeEntity).countBy({ sourceReference: ref })).toBe(0);
    const kept = await db.getRepository(RawMessageEntity).findOneByOrFail({ messageId: `<${ref}>` });
    expect(kept).toMatchObject({ channel: 'smtp', error: expect.stringMatching(/^From: not authenticated/) });
  });

  it('refuses unknown senders, unknown recipients and messages over the size limit, and keeps running', async () => {
    const arf = fs.readFileSync(path.join(samples, 'arf-phishing.eml'));
    await expect(send('x@elsewhere.example', 'abuse@provider.example', arf)).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(send('a@mailbox.example', 'ceo@provider.example', arf)).rejects.toMatchObject({
      responseCode: 550,
    });
    await send(
      'a@mailbox.example',
      'abuse@provider.example',
      arf.toString().replace(/arf-2026/, `x-${randomUUID()}`),
    );
  });

  it('drops the connection as soon as a message passes the size limit, holding no more of it in memory', async () => {
    // The listener's own process, measured from outside.
    const baseline = residentBytes(mailIntake.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(mailIntake.pid))), 10);
    const started = performance.now();
    try {
      // 64 MiB offered against a limit of 1 MiB: the old listener read and kept all of it before answering.
      const flood = await smtpFlood(
        port,
        'From: a@mailbox.example\r\nSubject: flood\r\n\r\n',
        64 * 1024 * 1024,
      );
      expect(flood.replies).toMatch(/^552 .*size limit/m);
      expect(flood.closedEarly).toBe(true);
      expect(flood.written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(peak - baseline).toBeLessThan(24 * 1024 * 1024);
  });

  it('drops a message whose header section passes its limit, and refuses connections over the client limit', async () => {
    const flood = await smtpFlood(port, `X-Filler: ${'h'.repeat(200 * 1024)}`, 0);
    expect(flood.replies).toMatch(/^552 .*header section/m);
    expect(flood.closedByListener).toBe(true);

    const sockets = await Promise.all(Array.from({ length: 3 }, () => greeting(port)));
    try {
      expect(sockets.map((s) => s.first.slice(0, 3))).toEqual(['220', '220', '220']);
      const extra = await greeting(port);
      expect(extra.first).toMatch(/^421 /);
      extra.socket.destroy();
    } finally {
      sockets.forEach((s) => s.socket.destroy());
    }
  });
});
