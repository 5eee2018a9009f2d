import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnv } from '@takedown/config';
import { parseMailSources, sourceForSender, type MailSource } from '@takedown/domain';
import { headerSectionEnd, IntakeError, parseMail } from '@takedown/intake';

const samples = path.join(__dirname, '..', 'fixtures', 'samples');
const arf = fs.readFileSync(path.join(samples, 'arf-phishing.eml'));
const source: MailSource = {
  kind: 'provider',
  name: 'Mailbox Example',
  senders: ['@mailbox.example'],
  ranges: [],
};
const opts = { source, sender: 'abuse-reports@mailbox.example', now: new Date('2026-11-29T00:00:00Z') };

const plain = (body: Buffer | string, headers = '') =>
  Buffer.concat([
    Buffer.from(
      `From: reports@hotline.example\r\nTo: abuse@provider.example\r\nSubject: Please remove\r\n` +
        `Message-ID: <plain-1@hotline.example>\r\n${headers}Content-Type: text/plain; charset=utf-8\r\n\r\n`,
    ),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);

async function errorOf(raw: Buffer): Promise<IntakeError> {
  try {
    await parseMail(raw, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(IntakeError);
    return err as IntakeError;
  }
  throw new Error('expected an IntakeError');
}

describe('mail parsing', () => {
  it('reads an ARF feedback report: Feedback-Type, Source-IP, Reported-URI, Arrival-Date, Message-ID', async () => {
    const { notice, extras } = await parseMail(arf, opts);
    expect(notice).toEqual({
      source: { kind: 'provider', name: 'Mailbox Example', contact: 'abuse-reports@mailbox.example' },
      sourceReference: 'arf-20261122-0930-77@mailbox.example',
      category: 'phishing',
      urls: ['http://pay-update.tenant-c.example/invoice/confirm'],
      ip: '203.0.113.77',
      observedAt: '2026-11-22T09:12:55.000Z',
    });
    expect(extras).toEqual({ reportedType: 'arf/fraud', channel: 'mail-arf' });
  });

  it('refuses an ARF report whose Source-IP is not an IP, or whose Arrival-Date is in the future', async () => {
    const badIp = Buffer.from(arf.toString().replace('Source-IP: 203.0.113.77', 'Source-IP: 203.0.113.777'));
    expect((await errorOf(badIp)).field).toBe('Source-IP');
    const future = Buffer.from(
      arf.toString().replace('Sun, 22 Nov 2026 09:12:55', 'Mon, 22 Nov 2027 09:12:55'),
    );
    expect((await errorOf(future)).field).toBe('Arrival-Date');
  });

  it('reads an X-ARF report attached as JSON, with the mail source as the source', async () => {
    const xarf = fs.readFileSync(path.join(samples, 'xarf-csam.json'), 'utf8');
    const raw = Buffer.from(
      'From: reports@hotline.example\r\nSubject: X-ARF\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n' +
        '--b\r\nContent-Type: application/json; name="report.json"\r\n\r\n' +
        xarf +
        '\r\n--b--\r\n',
    );
    const { notice, extras } = await parseMail(raw, opts);
    expect(notice).toMatchObject({ category: 'csam', sourceReference: 'hotline-nl-2026-000417' });
    expect(notice.source.name).toBe('Mailbox Example');
    expect(extras.channel).toBe('mail-xarf');
  });

  it('sends plain mail to triage with its URLs and IPs and the text kept', async () => {
    const { notice, extras } = await parseMail(
      plain('Please remove http://files.tenant-a.example/a.jpg, hosted on 198.51.100.23.\r\n'),
      opts,
    );
    expect(notice).toMatchObject({
      category: 'other',
      urls: ['http://files.tenant-a.example/a.jpg'],
      ip: '198.51.100.23',
      sourceReference: 'plain-1@hotline.example',
    });
    expect(extras.needsTriage).toBe(true);
    expect(extras.originalText).toContain('Please remove');
  });

  it('keeps the first 100 of 5,000 URLs and says so', async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `http://spam.tenant-b.example/p/${i}`).join('\r\n');
    const { notice, extras } = await parseMail(plain(body), opts);
    expect(notice.urls).toHaveLength(100);
    expect(notice.description).toContain('5000 URL(s), the first 100 kept');
    expect(extras.originalText!.length).toBeLessThanOrEqual(100_000);
  });

  it('reads invalid UTF-8 with replacement characters instead of failing', async () => {
    const body = Buffer.concat([
      Buffer.from('bad \xff\xfe bytes '),
      Buffer.from([0xc3, 0x28, 0]),
      Buffer.from(' http://x.tenant-a.example/'),
    ]);
    const { notice, extras } = await parseMail(plain(body), opts);
    expect(notice.urls).toEqual(['http://x.tenant-a.example/']);
    expect(extras.originalText).not.toContain('\u0000');
  });

  it('gives a clear error for truncated MIME and for mail without a URL', async () => {
    const truncated = arf.subarray(0, arf.indexOf('Content-Type: message/feedback-report'));
    expect((await errorOf(truncated)).message).toMatch(/feedback-report part/);
    expect((await errorOf(plain('Nothing to see here.'))).message).toMatch(/no URL/);
  });
});

describe('mail parsing under hostile input', () => {
  it('reads a URL followed by 100,000 dots and a letter in linear time, and drops URLs over 2,048 characters', async () => {
    const url = 'https://files.tenant-a.example/kept.jpg';
    const body = `Remove ${url}. Also http://a.tenant-a.example/${'.'.repeat(100_000)}x and ${url}?${'q'.repeat(3000)}\r\n`;
    const started = performance.now();
    const { notice } = await parseMail(plain(body), opts);
    // The trailing-punctuation regex took over 30 s for this input, blocking the event loop.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(notice.urls).toEqual([url]);
  });

  it('finds the end of the header section, or says there is none', () => {
    expect(headerSectionEnd(Buffer.from('From: a@b.example\r\nTo: c@d.example\r\n\r\nbody'))).toBe(36);
    expect(headerSectionEnd(Buffer.from('From: a@b.example\nTo: c@d.example\n\nbody'))).toBe(34);
    expect(headerSectionEnd(Buffer.from(`X-Long: ${'a'.repeat(100_000)}\r\n`))).toBe(-1);
  });
});

describe('inbound mail configuration', () => {
  it('names the variable when a source or webhook entry is malformed', () => {
    expect(() => loadEnv({ INBOUND_MAIL_SOURCES: 'hotline|Example Hotline' })).toThrow(
      /INBOUND_MAIL_SOURCES/,
    );
    expect(() => loadEnv({ INBOUND_MAIL_SOURCES: 'gossip|X|a@b.example' })).toThrow(/"gossip" is not one of/);
    expect(() => loadEnv({ FEEDBACK_WEBHOOKS: 'Example Hotline|https://h.example/cb|short' })).toThrow(
      /FEEDBACK_WEBHOOKS: .*secret of 32\+ characters/,
    );
    const env = loadEnv({
      INBOUND_MAIL_SOURCES: 'hotline|Example Hotline|reports@hotline.example @hotline.example',
      INBOUND_MAIL_ADDRESSES: 'Abuse@Provider.example, abuse-nl@provider.example',
    });
    expect(env.INBOUND_MAIL_ADDRESSES).toEqual(['abuse@provider.example', 'abuse-nl@provider.example']);
    expect(env.INBOUND_SMTP_PORT).toBeUndefined();
  });

  it('finds the source of a sender: an exact address before a domain', () => {
    const sources = parseMailSources(
      'hotline|Hotline|boss@x.example;public|Public|@x.example',
    ) as MailSource[];
    expect(sourceForSender(sources, 'Boss@X.example')?.name).toBe('Hotline');
    expect(sourceForSender(sources, 'other@x.example')?.name).toBe('Public');
    expect(sourceForSender(sources, 'other@y.example')).toBeUndefined();
  });
});
