import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  newReportKeyEntry,
  parseReportKeys,
  reportJwks,
  resolveReportKeys,
  sealTerminationReport,
  verifySnapshotFile,
  type SealedReport,
} from '@takedown/reports';
import { pdfText } from '../support/pdf-text';
import { terminationReport } from '../support/termination-report';

const REPORT = terminationReport();

const OLD = newReportKeyEntry('2026-11');
const NEW = newReportKeyEntry('2026-12');

describe('report snapshot signatures (Ed25519 JWS)', () => {
  let sealed: SealedReport;
  const jwks = reportJwks(parseReportKeys(OLD));

  beforeAll(async () => {
    sealed = await sealTerminationReport(REPORT, parseReportKeys(OLD)[0]);
  });

  it('the JSON and the PDF of one snapshot verify, under one signature naming the key', async () => {
    const json = await verifySnapshotFile(Buffer.from(sealed.json), jwks);
    const pdf = await verifySnapshotFile(sealed.pdf, jwks);
    expect(json).toMatchObject({ ok: true, type: 'json', kid: '2026-11' });
    expect(pdf).toMatchObject({ ok: true, type: 'pdf', kid: '2026-11' });
    expect(json.ok && pdf.ok && json.payload).toEqual(pdf.ok && pdf.payload);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: '2026-11', alg: 'EdDSA' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('the PDF prints the digest of the JSON', () => {
    const digest = (JSON.parse(sealed.json) as { digest: { value: string } }).digest.value;
    expect(pdfText(sealed.pdf)).toContain(digest);
  });

  it('any one byte changed in the JSON fails verification', async () => {
    const bytes = Buffer.from(sealed.json);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 0x20, max: 0x7e }),
        async (at, value) => {
          fc.pre(bytes[at] !== value);
          const changed = Buffer.from(bytes);
          changed[at] = value;
          expect((await verifySnapshotFile(changed, jwks)).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any one byte changed in the PDF fails verification', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sealed.pdf.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, flip) => {
          const changed = Buffer.from(sealed.pdf);
          changed[at] ^= flip;
          expect((await verifySnapshotFile(changed, jwks)).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every character of the signature matters, the last base64url one too', async () => {
    const { jws } = sealed;
    for (const at of [jws.length - 1, jws.indexOf('.') - 1, jws.lastIndexOf('.') - 1]) {
      for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
        if (c === jws[at]) continue;
        const changed = sealed.json.replace(jws, jws.slice(0, at) + c + jws.slice(at + 1));
        expect((await verifySnapshotFile(Buffer.from(changed), jwks)).ok).toBe(false);
      }
    }
  });

  it('after a rotation the new key signs, and snapshots signed by the old key still verify', async () => {
    const rotated = parseReportKeys(`${NEW},${OLD}`);
    const rotatedJwks = reportJwks(rotated);
    const fresh = await sealTerminationReport(
      { ...REPORT, snapshotId: 'd0000000-0000-4000-8000-000000000002' },
      rotated[0],
    );
    expect(await verifySnapshotFile(Buffer.from(fresh.json), rotatedJwks)).toMatchObject({
      ok: true,
      kid: '2026-12',
    });
    expect(await verifySnapshotFile(Buffer.from(sealed.json), rotatedJwks)).toMatchObject({
      ok: true,
      kid: '2026-11',
    });
    expect(await verifySnapshotFile(sealed.pdf, rotatedJwks)).toMatchObject({ ok: true, kid: '2026-11' });
    // Dropped from the published set, the old key no longer vouches for anything.
    expect(
      await verifySnapshotFile(Buffer.from(sealed.json), reportJwks(parseReportKeys(NEW))),
    ).toMatchObject({
      ok: false,
      problem: 'no key in the key set matches the signature’s key id',
    });
  });

  it('a key of the same id but another seed does not verify', async () => {
    const impostor = reportJwks(parseReportKeys(newReportKeyEntry('2026-11')));
    expect(await verifySnapshotFile(Buffer.from(sealed.json), impostor)).toMatchObject({ ok: false });
  });

  it('resolves configured keys; outside production generates one key once and keeps it; production needs keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-keys-'));
    expect(
      resolveReportKeys({
        NODE_ENV: 'production',
        REPORT_SIGNING_KEYS: `${NEW},${OLD}`,
        TAKEDOWN_DATA_DIR: dir,
      }).map((k) => k.kid),
    ).toEqual(['2026-12', '2026-11']);
    expect(() => resolveReportKeys({ NODE_ENV: 'production', TAKEDOWN_DATA_DIR: dir })).toThrow(
      /REPORT_SIGNING_KEYS/,
    );
    const first = resolveReportKeys({ NODE_ENV: 'development', TAKEDOWN_DATA_DIR: dir });
    const again = resolveReportKeys({ NODE_ENV: 'development', TAKEDOWN_DATA_DIR: dir });
    expect(again[0].publicJwk).toEqual(first[0].publicJwk);
    expect(fs.statSync(path.join(dir, 'report-signing-keys')).mode & 0o777).toBe(0o600);
    expect(() => parseReportKeys('k:short')).toThrow(/REPORT_SIGNING_KEYS/);
  });
});
