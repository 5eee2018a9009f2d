import { loadEnv } from '@takedown/config';
import { parseMailSources, type MailSource } from '@takedown/domain';
import { authenticateMail } from '@takedown/intake';
import { startDkimDns, type DkimDns } from '../support/dkim';

const sources = parseMailSources(
  'hotline|Example Hotline|@hotline.example;police|Example Police|reports@police.example|192.0.2.0/24 2001:db8::/32',
) as MailSource[];

const mail = (from: string, extraHeaders = '') =>
  `${extraHeaders}From: ${from}\r\nTo: abuse@provider.example\r\nSubject: NTD 2026-0042\r\n` +
  `Message-ID: <ntd-0042@hotline.example>\r\n\r\nPlease remove https://files.tenant-a.example/x.jpg\r\n`;

/** Only mail its source's domain signed counts as that source's: the From address alone is anyone's to write. */
describe('inbound mail authentication (DKIM alignment, IP ranges, trusted Authentication-Results)', () => {
  let dns: DkimDns;
  beforeAll(async () => {
    dns = await startDkimDns();
  });
  afterAll(() => dns?.close());

  const check = (raw: Buffer | string, extra: { clientIp?: string; trustedAuthservId?: string } = {}) =>
    authenticateMail(Buffer.from(raw), { sources, resolver: dns.resolver, ...extra });

  it("takes mail signed by the From domain's key as that source's", async () => {
    const signed = await dns.sign(mail('Reports <reports@hotline.example>'), 'hotline.example');
    expect(await check(signed)).toMatchObject({
      authenticated: true,
      by: 'dkim',
      from: 'reports@hotline.example',
      source: { name: 'Example Hotline' },
    });
    // A subdomain's signature aligns with the organisational domain (DMARC's relaxed alignment).
    const bySubdomain = await dns.sign(mail('reports@hotline.example'), 'mail.hotline.example');
    expect(await check(bySubdomain)).toMatchObject({ authenticated: true, by: 'dkim' });
  });

  it('sends a forged From (unsigned, signed by another domain, or altered after signing) to triage', async () => {
    expect(await check(mail('reports@hotline.example'))).toMatchObject({
      authenticated: false,
      reason: expect.stringMatching(/no DKIM signature of hotline\.example/),
    });
    const otherDomain = await dns.sign(mail('reports@hotline.example'), 'attacker.example');
    expect(await check(otherDomain)).toMatchObject({ authenticated: false });
    const signed = await dns.sign(mail('reports@hotline.example'), 'hotline.example');
    const altered = Buffer.from(signed.toString().replace('x.jpg', 'y.jpg'));
    expect(await check(altered)).toMatchObject({
      authenticated: false,
      reason: expect.stringMatching(/body hash did not verify/),
    });
    // DMARC does not pick one of several authors.
    const twoAuthors = await dns.sign(
      mail('reports@hotline.example, someone@attacker.example'),
      'hotline.example',
    );
    expect(await check(twoAuthors)).toMatchObject({ authenticated: false, from: null });
    const stranger = await dns.sign(mail('someone@attacker.example'), 'attacker.example');
    expect(await check(stranger)).toMatchObject({
      authenticated: false,
      reason: expect.stringMatching(/not on any source's sender list/),
    });
  });

  it("requires a source's IP ranges when it lists them, the signature as well", async () => {
    const signed = await dns.sign(mail('reports@police.example'), 'police.example');
    expect(await check(signed, { clientIp: '192.0.2.25' })).toMatchObject({ authenticated: true });
    expect(await check(signed, { clientIp: '::ffff:192.0.2.25' })).toMatchObject({ authenticated: true });
    expect(await check(signed, { clientIp: '2001:db8::25' })).toMatchObject({ authenticated: true });
    expect(await check(signed, { clientIp: '198.51.100.1' })).toMatchObject({
      authenticated: false,
      reason: expect.stringMatching(/IP ranges/),
    });
    expect(await check(signed)).toMatchObject({ authenticated: false });
    expect(await check(mail('reports@police.example'), { clientIp: '192.0.2.25' })).toMatchObject({
      authenticated: false,
    });
  });

  it("trusts the provider's MX's Authentication-Results for an aligned DKIM pass, and no one else's", async () => {
    const vouched = mail(
      'reports@hotline.example',
      'Authentication-Results: mx.provider.example;\r\n dkim=pass (2048-bit key) header.d=hotline.example header.s=s1;\r\n spf=none\r\n',
    );
    expect(await check(vouched, { trustedAuthservId: 'mx.provider.example' })).toMatchObject({
      authenticated: true,
      by: 'authentication-results',
    });
    expect(await check(vouched)).toMatchObject({ authenticated: false });
    expect(await check(vouched, { trustedAuthservId: 'mx.other.example' })).toMatchObject({
      authenticated: false,
    });
    const unaligned = mail(
      'reports@hotline.example',
      'Authentication-Results: mx.provider.example; dkim=pass header.d=attacker.example\r\n',
    );
    expect(await check(unaligned, { trustedAuthservId: 'mx.provider.example' })).toMatchObject({
      authenticated: false,
    });
    const failed = mail(
      'reports@hotline.example',
      'Authentication-Results: mx.provider.example; dkim=fail header.d=hotline.example\r\n',
    );
    expect(await check(failed, { trustedAuthservId: 'mx.provider.example' })).toMatchObject({
      authenticated: false,
    });
  });

  it('says a DNS outage is temporary, so that the sender tries again', async () => {
    const signed = await dns.sign(mail('reports@hotline.example'), 'hotline.example');
    dns.failing.add('hotline.example');
    try {
      expect(await check(signed)).toMatchObject({ authenticated: false, temporary: true });
    } finally {
      dns.failing.delete('hotline.example');
    }
  });

  it("names the variable when a source's range or a DNS server is not one", () => {
    expect(parseMailSources('hotline|H|@h.example|10.0.0.1/8')).toMatch(/host bits are set/);
    expect(() => loadEnv({ INBOUND_MAIL_SOURCES: 'hotline|H|@h.example|nowhere' })).toThrow(
      /INBOUND_MAIL_SOURCES/,
    );
    expect(() => loadEnv({ INBOUND_MAIL_DNS_SERVERS: 'dns.example:53' })).toThrow(/INBOUND_MAIL_DNS_SERVERS/);
    expect(
      loadEnv({ INBOUND_MAIL_DNS_SERVERS: '127.0.0.1:5353, [::1]:53' }).INBOUND_MAIL_DNS_SERVERS,
    ).toEqual(['127.0.0.1:5353', '[::1]:53']);
  });
});
