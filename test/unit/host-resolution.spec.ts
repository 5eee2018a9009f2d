import { hostToResolve, parseXarf } from '@takedown/intake';

const now = new Date('2026-12-01T12:00:00Z');
const report = (overrides: Record<string, unknown>) => ({
  xarf_version: '4.0.0',
  report_id: 'cert-2026-1',
  timestamp: '2026-12-01T11:00:00Z',
  reporter: { org: 'Example CERT', contact: 'cert@cert.example', domain: 'cert.example' },
  sender: { org: 'Example CERT', contact: 'cert@cert.example', domain: 'cert.example' },
  source_identifier: 'Scanner.Tenant-C.example',
  category: 'connection',
  type: 'port_scan',
  ...overrides,
});

describe('which host name intake resolves', () => {
  it('takes an X-ARF report whose source is only a host name, to be resolved', () => {
    const { notice, extras } = parseXarf(report({}), { now });
    expect(notice).toMatchObject({ urls: [], category: 'scanning' });
    expect(notice.ip).toBeUndefined();
    expect(extras.host).toBe('scanner.tenant-c.example');
    expect(hostToResolve(notice, extras)).toBe('scanner.tenant-c.example');
  });

  it('resolves nothing for a report that names an address or a URL with the host name', () => {
    expect(parseXarf(report({ source_identifier: '192.0.2.7' }), { now }).extras.host).toBeUndefined();
    const content = parseXarf(
      report({ category: 'content', type: 'phishing', url: 'https://login.example/x' }),
      { now },
    );
    expect(content.extras.host).toBeUndefined();
    // A content report still needs its URL, host name or not.
    expect(() => parseXarf(report({ category: 'content', type: 'phishing' }), { now })).toThrow(
      /url: is required/,
    );
  });

  it('resolves the first URL’s host name of a notice without an address, and nothing else', () => {
    expect(hostToResolve({ urls: ['https://Files.Tenant-A.example/a', 'https://other.example/'] }, {})).toBe(
      'files.tenant-a.example',
    );
    expect(
      hostToResolve({ urls: ['https://files.tenant-a.example/a'], ip: '192.0.2.1' }, {}),
    ).toBeUndefined();
    expect(hostToResolve({ urls: ['http://192.0.2.1/a'] }, {})).toBeUndefined();
    expect(hostToResolve({ urls: ['http://[2001:db8::1]:8080/a'] }, {})).toBeUndefined();
    expect(hostToResolve({ urls: [] }, {})).toBeUndefined();
  });
});
