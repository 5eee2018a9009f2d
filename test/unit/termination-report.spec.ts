import {
  canonicalJson,
  redactedUrl,
  digestReport,
  verifyReport,
  type TerminationReport,
} from '@takedown/reports';
import { terminationReport } from '../support/termination-report';

const URL_HASH_KEY = { kid: 'test', secret: Buffer.from('a test key of thirty-two characters or more') };

const REPORT = terminationReport({
  contract: {
    startsOn: '2024-01-01',
    noticePeriodDays: 30,
    immediateTerminationForIllegalContent: false,
    policyProfile: 'default',
  },
  summary: {
    notices: 1,
    deadlinesMet: 0,
    deadlinesMissed: 1,
    open: 0,
    byOutcome: { removed_late: 1 },
    medianTimeToRemovalSeconds: 90000,
  },
  notices: [
    {
      id: 'n1',
      category: 'csam',
      source: { kind: 'hotline', name: 'Example Hotline' },
      urls: [redactedUrl('https://files.tenant-a.example/gallery/8f1c2e?x=1', URL_HASH_KEY)],
      receivedAt: '2026-09-01T10:00:00.000Z',
      notifiedAt: '2026-09-01T10:00:01.000Z',
      remindedAt: [],
      escalatedAt: '2026-09-02T10:00:00.000Z',
      removedAt: '2026-09-02T11:00:00.000Z',
      closedAt: '2026-09-02T11:00:00.000Z',
      deadline: '2026-09-02T10:00:00.000Z',
      deadlineMet: false,
      outcome: 'removed_late',
      timeToRemovalSeconds: 90000,
      customerAnswers: [],
    },
  ],
  timeline: [],
});

describe('termination report digest', () => {
  it('canonical JSON sorts keys at every depth, so key order does not change the digest', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    const reordered = JSON.parse(JSON.stringify({ ...REPORT, format: REPORT.format })) as TerminationReport;
    expect(digestReport(reordered).digest).toEqual(digestReport(REPORT).digest);
  });

  it('a report verifies as issued, also after a round trip through a JSON file', () => {
    const signed = digestReport(REPORT);
    expect(signed.digest.value).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyReport(JSON.parse(JSON.stringify(signed, null, 2)))).toEqual({
      ok: true,
      digest: signed.digest.value,
    });
  });

  it.each([
    ['a timestamp', (r: TerminationReport) => (r.notices[0].removedAt = '2026-09-02T09:59:59.000Z')],
    ['a decision’s author', (r: TerminationReport) => (r.case.openedBy = 'desk:someone-else')],
    ['a count', (r: TerminationReport) => (r.summary.deadlinesMissed = 0)],
    ['a boolean', (r: TerminationReport) => (r.notices[0].deadlineMet = true)],
  ])('changing %s breaks verification', (_what, change) => {
    const tampered = JSON.parse(JSON.stringify(digestReport(REPORT))) as ReturnType<typeof digestReport>;
    change(tampered);
    expect(verifyReport(tampered)).toMatchObject({
      ok: false,
      problem: 'the content does not match its digest',
    });
  });

  it('a file without a digest does not verify', () => {
    expect(verifyReport(REPORT)).toMatchObject({ ok: false, problem: 'the file has no digest' });
  });

  it('URLs keep only the host and a keyed hash of path and query', () => {
    const u = redactedUrl('https://files.tenant-a.example/gallery/8f1c2e?x=1', URL_HASH_KEY);
    expect(u.host).toBe('files.tenant-a.example');
    expect(u.pathHash).toMatch(/^hmac:test:[0-9a-f]{64}$/);
    expect(JSON.stringify(digestReport(REPORT))).not.toContain('gallery');
  });
});
