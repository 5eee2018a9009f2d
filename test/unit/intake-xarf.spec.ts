import * as fs from 'node:fs';
import * as path from 'node:path';
import { IntakeError, isXarf, parseXarf, splitBatch, MAX_BATCH } from '@takedown/intake';

const sample = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'samples', name), 'utf8')) as Record<
    string,
    unknown
  >;
const now = new Date('2026-11-29T00:00:00Z');

function fieldOf(body: unknown): string | undefined {
  try {
    parseXarf(body, { now });
  } catch (err) {
    expect(err).toBeInstanceOf(IntakeError);
    return (err as IntakeError).field;
  }
  throw new Error('expected an IntakeError');
}

describe('X-ARF v4 parsing', () => {
  it('maps the CSAM sample to a notice, keeping hashes and dropping the evidence payload', () => {
    const { notice, extras } = parseXarf(sample('xarf-csam.json'), {
      now,
      kindOf: (r) => (r.domain === 'hotline.example' ? 'hotline' : undefined),
    });
    expect(notice).toEqual({
      source: { kind: 'hotline', name: 'Example Hotline', contact: 'reports@hotline.example' },
      sourceReference: 'hotline-nl-2026-000417',
      category: 'csam',
      urls: ['https://files.tenant-a.example/gallery/8f1c2e'],
      ip: '198.51.100.23',
      observedAt: '2026-11-20T08:14:00.000Z',
      hashes: { sha256: '4f6d0b1c9a7e2d35b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6' },
    });
    expect(extras.evidenceHashes).toEqual([
      'sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
    ]);
    expect(JSON.stringify({ notice, extras })).not.toContain('YXNzZXNzbWVudCByZWYgQS0xNzc=');
  });

  it('maps the phishing sample with an IPv6 source and hashes evidence that came without a hash', () => {
    const body = sample('xarf-phishing.json');
    const evidence = [{ content_type: 'text/plain', payload: Buffer.from('abc').toString('base64') }];
    const { notice, extras } = parseXarf({ ...body, evidence }, { now });
    expect(notice).toMatchObject({ category: 'phishing', ip: '2001:db8:4a::17', source: { kind: 'public' } });
    expect(extras.evidenceHashes).toEqual([
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ]);
  });

  it('maps an unknown type to other and keeps the reported type', () => {
    const { notice, extras } = parseXarf(
      { ...sample('xarf-phishing.json'), type: 'brand_infringement' },
      { now },
    );
    expect(notice.category).toBe('other');
    expect(extras.reportedType).toBe('content/brand_infringement');
  });

  it('names the X-ARF field that is missing or wrong', () => {
    const body = sample('xarf-csam.json');
    const noId = { ...body };
    delete noId.report_id;
    expect(fieldOf(noId)).toBe('report_id');
    expect(fieldOf({ ...body, reporter: { org: 'X' } })).toBe('reporter.contact');
    expect(fieldOf({ ...body, source_identifier: '10.0.0.999' })).toBe('source_identifier');
    expect(fieldOf({ ...body, source_identifier: 'not an ip!' })).toBe('source_identifier');
    expect(fieldOf({ ...body, timestamp: '2027-01-01T00:00:00Z' })).toBe('timestamp');
    expect(fieldOf({ ...body, timestamp: 'yesterday' })).toBe('timestamp');
    expect(fieldOf({ ...body, category: 'gossip' })).toBe('category');
    expect(fieldOf({ ...body, url: undefined })).toBe('url');
    expect(fieldOf({ ...body, url: 'javascript:alert(1)' })).toBe('url');
    expect(fieldOf({ ...body, xarf_version: '3.0' })).toBe('xarf_version');
    expect(fieldOf({ ...body, evidence: [{ content_type: 'text/plain' }] })).toBe('evidence.0.payload');
  });

  it('names every missing or bad field in one answer, without repeating the values', () => {
    const body = sample('xarf-csam.json');
    const secret = 'https://files.tenant-a.example/gallery/secret-8f1c2e';
    const broken = {
      ...body,
      report_id: undefined,
      category: secret,
      timestamp: '2027-01-01T00:00:00Z',
      source_identifier: '10.0.0.999',
      url: `javascript:${secret}`,
      reporter: { org: 'X' },
    };
    let error: IntakeError | undefined;
    try {
      parseXarf(broken, { now });
    } catch (err) {
      error = err as IntakeError;
    }
    expect(error).toBeInstanceOf(IntakeError);
    expect(error!.fields!.map((f) => f.field).sort()).toEqual(
      [
        'category',
        'report_id',
        'reporter.contact',
        'reporter.domain',
        'source_identifier',
        'timestamp',
        'url',
      ].sort(),
    );
    expect(error!.field).toBe(error!.fields![0].field);
    expect(error!.message).toContain('report_id: is required');
    expect(error!.message).toContain('timestamp: is in the future');
    expect(JSON.stringify({ message: error!.message, fields: error!.fields })).not.toMatch(
      /secret-8f1c2e|10\.0\.0\.999|2027-01-01/,
    );
  });

  it('keeps a host name as source identifier without making it an IP', () => {
    const { notice } = parseXarf(
      { ...sample('xarf-csam.json'), source_identifier: 'files.tenant-a.example' },
      { now },
    );
    expect(notice.ip).toBeUndefined();
  });

  it('detects X-ARF by its version field', () => {
    expect(isXarf(sample('xarf-csam.json'))).toBe(true);
    expect(isXarf({ sourceReference: 'x' })).toBe(false);
    expect(isXarf([])).toBe(false);
  });
});

describe('batch splitting', () => {
  it('reads JSON lines, a line that is not JSON being one rejected item', () => {
    expect(splitBatch('{"a":1}\n\nnot json\n{"b":2}\n')).toEqual([
      { index: 0, body: { a: 1 } },
      { index: 1, error: expect.stringMatching(/^not JSON/) },
      { index: 2, body: { b: 2 } },
    ]);
  });

  it('refuses an empty batch, a batch too large and a body that is no batch', () => {
    expect(() => splitBatch([])).toThrow(/empty/);
    expect(() => splitBatch(Array.from({ length: MAX_BATCH + 1 }, () => ({})))).toThrow(/at most 10000/);
    expect(() => splitBatch({ a: 1 })).toThrow(IntakeError);
  });
});
