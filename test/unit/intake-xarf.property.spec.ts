import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { IntakeError, parseXarf, XARF_CATEGORIES } from '@takedown/intake';

const now = new Date('2026-11-29T00:00:00Z');

/** The mapper may refuse a report only with its own error, naming the X-ARF field: anything else would be a 500. */
function parsedOrRefused(body: unknown) {
  try {
    return parseXarf(body, { now });
  } catch (err) {
    expect(err).toBeInstanceOf(IntakeError);
    expect(typeof (err as IntakeError).field).toBe('string');
    return null;
  }
}

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => `${parts.join('.')}.example`);
const contact = fc.record({
  org: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
  contact: fc.tuple(label, domain).map(([user, host]) => `${user}@${host}`),
  domain,
});
const hex = (length: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${length}}$`)).filter((s) => s.length === length);
/** Evidence whose payload is long enough that finding it in the output could not be chance. */
const evidence = fc.record(
  {
    content_type: fc.constantFrom('image/png', 'image/jpeg', 'text/plain'),
    payload: fc.uint8Array({ minLength: 12, maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
    hash: hex(64).map((h) => `sha256:${h}`),
    description: fc.string({ maxLength: 50 }),
  },
  { requiredKeys: ['content_type', 'payload'] },
);
const TYPES = [
  'csam',
  'csem',
  'phishing',
  'malware',
  'spam',
  'bulk_messaging',
  'brand_infringement',
  'copyright',
  'login_attack',
  'port_scan',
  'infected_host',
  'botnet',
  'compromised_server',
  'blocklist',
  'open',
  'remote_compromise',
];

/** Reports that follow the X-ARF v4 core schema, with every optional part present or not. */
const validReport = fc.record(
  {
    xarf_version: fc.constantFrom('4.0.0', '4.1.2'),
    report_id: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0),
    timestamp: fc
      .date({ min: new Date('2020-01-01T00:00:00Z'), max: now, noInvalidDate: true })
      .map((d) => d.toISOString()),
    reporter: contact,
    sender: contact,
    source_identifier: fc.oneof(fc.ipV4(), fc.ipV6(), domain),
    category: fc.constantFrom(...XARF_CATEGORIES),
    type: fc.oneof(fc.constantFrom(...TYPES), fc.stringMatching(/^[\w-]{1,30}$/)),
    url: fc.webUrl({ validSchemes: ['http', 'https'] }),
    hash_values: fc.record({ sha256: hex(64), md5: hex(32) }, { requiredKeys: [] }),
    evidence: fc.array(evidence, { maxLength: 4 }),
  },
  {
    requiredKeys: [
      'xarf_version',
      'report_id',
      'timestamp',
      'reporter',
      'sender',
      'source_identifier',
      'category',
      'type',
      'url',
    ],
  },
);

const IP_BASED: string[] = ['messaging', 'connection', 'infrastructure', 'reputation', 'vulnerability'];

describe('X-ARF mapping, properties', () => {
  it('never fails with anything but an IntakeError naming a field, whatever JSON arrives', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => void parsedOrRefused(body)),
      { numRuns: 300 },
    );
  });

  it('never fails with anything but an IntakeError when any field of a good report is replaced by any value', () => {
    const fields = [
      'xarf_version',
      'report_id',
      'timestamp',
      'reporter',
      'sender',
      'source_identifier',
      'category',
      'type',
      'url',
      'hash_values',
      'evidence',
    ];
    fc.assert(
      fc.property(
        validReport,
        fc.constantFrom(...fields),
        fc.oneof(fc.jsonValue(), fc.string(), fc.constant(undefined)),
        (report, field, value) => void parsedOrRefused({ ...report, [field]: value }),
      ),
      { numRuns: 300 },
    );
  });

  it('maps ids, keeps hashes and hashes of evidence, and never keeps an evidence payload', () => {
    fc.assert(
      fc.property(validReport, (report) => {
        const parsed = parsedOrRefused(report);
        // Host-like identifiers that are not IP addresses (`1.2.3`) are refused by design.
        fc.pre(parsed !== null);
        if (!parsed) return;
        const { notice, extras } = parsed;
        expect(notice.sourceReference).toBe(report.report_id.trim());
        expect(notice.source).toMatchObject({
          name: report.reporter.org.trim(),
          contact: report.reporter.contact,
        });
        // What an address does (X-ARF's IP-based categories) is the address's notice; material is at its URL.
        const aboutTheAddress = isIP(report.source_identifier.trim()) && IP_BASED.includes(report.category);
        expect(notice.urls).toEqual(aboutTheAddress ? [] : [report.url]);
        expect(aboutTheAddress ? notice.ip : report.source_identifier.trim()).toBe(
          report.source_identifier.trim(),
        );
        expect(notice.observedAt).toBe(new Date(report.timestamp).toISOString());
        expect(extras.reportedType).toBe(`${report.category}/${report.type}`);
        expect(notice.hashes).toEqual({
          ...(report.hash_values?.sha256 ? { sha256: report.hash_values.sha256.toLowerCase() } : {}),
          ...(report.hash_values?.md5 ? { md5: report.hash_values.md5.toLowerCase() } : {}),
        });
        const items = report.evidence ?? [];
        expect(extras.evidenceHashes).toEqual(
          items.map(
            (e) =>
              e.hash?.toLowerCase() ??
              `sha256:${createHash('sha256').update(Buffer.from(e.payload, 'base64')).digest('hex')}`,
          ),
        );
        const out = JSON.stringify(parsed);
        for (const e of items) expect(out).not.toContain(e.payload);
      }),
      { numRuns: 300 },
    );
  });

  it('maps the reported category and type to a category: the sample set’s types, everything else other', () => {
    const expected: Record<string, string> = {
      'content/csam': 'csam',
      'content/csem': 'csam',
      'content/phishing': 'phishing',
      'content/malware': 'malware',
      'content/remote_compromise': 'compromised',
      'messaging/spam': 'spam',
      'messaging/bulk_messaging': 'spam',
      'connection/login_attack': 'login_attack',
      'connection/port_scan': 'scanning',
      'connection/reconnaissance': 'scanning',
      'connection/vuln_scanning': 'scanning',
      'connection/ddos': 'ddos',
      'connection/infected_host': 'botnet',
      'connection/scraping': 'web_attack',
      'connection/sql_injection': 'web_attack',
      'infrastructure/botnet': 'botnet',
      'infrastructure/compromised_server': 'compromised',
      'reputation/blocklist': 'blocklisted',
      'reputation/threat_intelligence': 'blocklisted',
      'vulnerability/cve': 'vulnerable_service',
      'vulnerability/open': 'vulnerable_service',
      'vulnerability/misconfiguration': 'vulnerable_service',
    };
    fc.assert(
      fc.property(validReport, (report) => {
        const parsed = parsedOrRefused(report);
        if (!parsed) return;
        const category =
          expected[`${report.category}/${report.type.toLowerCase()}`] ??
          (report.category === 'copyright' ? 'copyright' : 'other');
        expect(parsed.notice.category).toBe(category);
      }),
      { numRuns: 300 },
    );
  });
});
