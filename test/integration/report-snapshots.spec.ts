import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { newReportKeyEntry, type SignedTerminationReport } from '@takedown/reports';
import { authorizedHttp, tokenFor, type Http } from '../support/api';
import { nodeArgs } from '../support/child-build';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';
import { pdfText } from '../support/pdf-text';

const ROOT = path.resolve(__dirname, '..', '..');
const OLD = newReportKeyEntry('2026-11');
const NEW = newReportKeyEntry('2026-12');

const binary = (req: ReturnType<Http['get']>) =>
  req.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

/** `takedown verify-report` as its own process; async, so that the API in this process can answer it. */
async function verifyReport(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [...nodeArgs('apps/cli/src/main.ts'), 'verify-report', ...args],
      { cwd: ROOT, env: { ...process.env, TAKEDOWN_API_TOKEN: '' } },
    );
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/**
 * Termination reports as evidence: stored snapshots whose JSON and PDF agree, that the database will not let anyone
 * change, signed with Ed25519 under a published key that survives rotation, and checked by the CLI offline and
 * against the API.
 */
describe('report snapshots (stored, insert-only, signed)', () => {
  let oldApp: INestApplication;
  let newApp: INestApplication;
  let db: DataSource;
  let http: Http;
  let caseId: string;
  let oldApi: string;
  let newApi: string;
  let token: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-snapshots-'));

  beforeAll(async () => {
    oldApp = await createApp(new AppConfig(testEnv({ REPORT_SIGNING_KEYS: OLD })));
    await oldApp.listen(0, '127.0.0.1');
    oldApi = await oldApp.getUrl();
    http = await authorizedHttp(oldApp, 'legal');
    token = await tokenFor(oldApp, 'legal');
    db = oldApp.get(DataSource);
    const { customer, ip } = await storeCustomer(db);
    const { notice } = await storeNotice(db, { category: 'csam', ip });
    await db.query(`UPDATE notices SET customer_id = $2 WHERE id = $1`, [notice.id, customer.id]);
    caseId = randomUUID();
    await db.query(
      `INSERT INTO termination_cases (id, customer_id, status, opened_by, reason, workflow_id)
       VALUES ($1, $2, 'legal_review', 'desk:lead', 'repeated CSAM', $3)`,
      [caseId, customer.id, `termination-${caseId}`],
    );
  }, 60_000);

  afterAll(async () => {
    await newApp?.close();
    await oldApp?.close();
  });

  let first: SignedTerminationReport;
  let firstJson: Buffer;
  let firstPdf: Buffer;

  it('one snapshot serves both formats: the same bytes at every download, the PDF printing the JSON’s digest', async () => {
    firstJson = (await binary(http.get(`/v1/terminations/${caseId}/report.json`)).expect(200)).body as Buffer;
    first = JSON.parse(firstJson.toString('utf8')) as SignedTerminationReport;
    expect(first).toMatchObject({
      version: 2,
      snapshotId: expect.any(String),
      signature: { alg: 'EdDSA', kid: '2026-11' },
    });
    // Nothing changed: the same snapshot again, not a new generatedAt.
    const again = (await binary(http.get(`/v1/terminations/${caseId}/report.json`)).expect(200))
      .body as Buffer;
    expect(again.equals(firstJson)).toBe(true);
    firstPdf = (await binary(http.get(`/v1/terminations/${caseId}/report.pdf`)).expect(200)).body as Buffer;
    const listed = (await http.get(`/v1/terminations/${caseId}/reports`).expect(200)).body as {
      id: string;
      digest: string;
      createdBy: string;
    }[];
    expect(listed).toEqual([expect.objectContaining({ id: first.snapshotId, digest: first.digest.value })]);
    const byId = (
      await binary(http.get(`/v1/terminations/${caseId}/reports/${first.snapshotId}/report.json`)).expect(200)
    ).body as Buffer;
    expect(byId.equals(firstJson)).toBe(true);
    const pdfById = (
      await binary(http.get(`/v1/terminations/${caseId}/reports/${first.snapshotId}/report.pdf`)).expect(200)
    ).body as Buffer;
    expect(pdfById.equals(firstPdf)).toBe(true);
    expect(pdfText(firstPdf)).toContain(first.digest.value);
  });

  it('a new snapshot only when the evidence changed; listed newest first', async () => {
    await http.post(`/v1/terminations/${caseId}/reports`).expect(200);
    await db.query(
      `INSERT INTO termination_case_events (case_id, type, actor, reason, data, occurred_at, idempotency_key)
       VALUES ($1, 'opened', 'workflow', NULL, '{}'::jsonb, now(), $2)`,
      [caseId, `${caseId}:opened`],
    );
    const taken = (await http.post(`/v1/terminations/${caseId}/reports`).expect(201)).body as {
      id: string;
      kid: string;
    };
    expect(taken.kid).toBe('2026-11');
    const listed = (await http.get(`/v1/terminations/${caseId}/reports`).expect(200)).body as {
      id: string;
    }[];
    expect(listed.map((s) => s.id)).toEqual([taken.id, first.snapshotId]);
  });

  it('PostgreSQL refuses to change or remove a snapshot, for the owner too', async () => {
    await expect(
      db.query(`UPDATE report_snapshots SET created_by = 'someone' WHERE id = $1`, [first.snapshotId]),
    ).rejects.toThrow(/insert-only: UPDATE is refused/);
    await expect(db.query(`DELETE FROM report_snapshots WHERE id = $1`, [first.snapshotId])).rejects.toThrow(
      /insert-only: DELETE is refused/,
    );
    await expect(db.query(`TRUNCATE report_snapshots`)).rejects.toThrow(/insert-only: TRUNCATE is refused/);
    expect(
      await db.query(`SELECT count(*)::int AS n FROM report_snapshots WHERE id = $1`, [first.snapshotId]),
    ).toEqual([{ n: 1 }]);
  });

  it('unknown cases and snapshots are 404 naming what is missing; a malformed id is 400', async () => {
    await http.get(`/v1/terminations/${randomUUID()}/reports`).expect(404);
    const res = await http.get(`/v1/terminations/${caseId}/reports/${randomUUID()}/report.json`).expect(404);
    expect(res.body).toMatchObject({ code: 'REPORT.NOT_FOUND' });
    await http.get(`/v1/terminations/${caseId}/reports/not-a-uuid/report.pdf`).expect(400);
  });

  it('the CLI verifies JSON and PDF offline with the published keys, and fails on one byte changed in either', async () => {
    const keys = path.join(dir, 'keys.json');
    // Public: no token.
    const published = await fetch(`${oldApi}/.well-known/takedown-keys`);
    expect(published.status).toBe(200);
    const jwks = Buffer.from(await published.arrayBuffer());
    fs.writeFileSync(keys, jwks);
    const json = path.join(dir, 'report.json');
    const pdf = path.join(dir, 'report.pdf');
    fs.writeFileSync(json, firstJson);
    fs.writeFileSync(pdf, firstPdf);
    const tamperedJson = Buffer.from(firstJson);
    const at = tamperedJson.indexOf('desk:lead') + 5;
    tamperedJson[at] = 'L'.charCodeAt(0);
    const badJson = path.join(dir, 'tampered.json');
    fs.writeFileSync(badJson, tamperedJson);
    const tamperedPdf = Buffer.from(firstPdf);
    tamperedPdf[Math.floor(tamperedPdf.length / 2)] ^= 1;
    const badPdf = path.join(dir, 'tampered.pdf');
    fs.writeFileSync(badPdf, tamperedPdf);

    // Four processes that share nothing but the key file: at the same time rather than one after the other.
    const [good, goodPdf, changedJson, changedPdf] = await Promise.all(
      [json, pdf, badJson, badPdf].map((file) => verifyReport([file, '--keys', keys])),
    );
    expect(good).toMatchObject({ code: 0, out: expect.stringContaining('signed by key 2026-11') });
    expect(goodPdf).toMatchObject({ code: 0 });
    expect(changedJson).toMatchObject({ code: 65 });
    expect(changedPdf).toMatchObject({ code: 65, out: expect.stringContaining('NOT verified') });
  }, 120_000);

  it('against the API, the CLI names the fields that differ from the stored snapshot', async () => {
    const json = path.join(dir, 'compare.json');
    fs.writeFileSync(json, firstJson);
    const changed = {
      ...first,
      case: { ...first.case, openedBy: 'desk:someone-else' },
      summary: { ...first.summary, notices: 0 },
    };
    const changedJson = path.join(dir, 'compare-changed.json');
    fs.writeFileSync(changedJson, JSON.stringify(changed, null, 2));
    const [same, res] = await Promise.all(
      [json, changedJson].map((file) => verifyReport([file, '--api', oldApi, '--token', token])),
    );
    expect(same).toMatchObject({
      code: 0,
      out: expect.stringContaining('matches the stored snapshot'),
    });
    expect(res.code).toBe(65);
    expect(res.out).toContain('NOT verified');
    expect(res.out).toMatch(/differs from the stored snapshot \S+ in: case\.openedBy, summary\.notices\n/);
  }, 120_000);

  it('after a key rotation the new key signs, the old stays published, and old snapshots still verify', async () => {
    newApp = await createApp(new AppConfig(testEnv({ REPORT_SIGNING_KEYS: `${NEW},${OLD}` })));
    await newApp.listen(0, '127.0.0.1');
    newApi = await newApp.getUrl();
    const newHttp = await authorizedHttp(newApp, 'legal');
    const jwks = (await newHttp.get('/.well-known/takedown-keys').expect(200)).body as {
      keys: { kid: string; d?: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['2026-12', '2026-11']);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);

    await db.query(
      `INSERT INTO termination_case_events (case_id, type, actor, reason, data, occurred_at, idempotency_key)
       VALUES ($1, 'approved', 'workflow', NULL, '{}'::jsonb, now(), $2)`,
      [caseId, `${caseId}:approved`],
    );
    const taken = (await newHttp.post(`/v1/terminations/${caseId}/reports`).expect(201)).body as {
      kid: string;
    };
    expect(taken.kid).toBe('2026-12');
    const json = path.join(dir, 'old.json');
    fs.writeFileSync(json, firstJson);
    expect(
      await verifyReport([json, '--api', newApi, '--token', await tokenFor(newApp, 'legal')]),
    ).toMatchObject({
      code: 0,
      out: expect.stringContaining('signed by key 2026-11'),
    });
  }, 120_000);
});
