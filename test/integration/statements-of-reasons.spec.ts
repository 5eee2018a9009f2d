import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { CapturedMailbox } from '@takedown/mail';
import { verifySnapshotFile, type SignedTerminationReport, type StatementOfReasons } from '@takedown/reports';
import { TerminationActivitiesService } from '@takedown/worker/termination-activities.service';
import { WorkerModule } from '@takedown/worker/worker.module';
import { authorizedHttp, type Http } from '../support/api';
import { runCli } from '../support/cli';
import { storeCustomer, type StoredCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

const DAY = 86_400_000;

/**
 * The statement of reasons a terminated customer receives (DSA Art. 17): made by the worker when the formal notice
 * goes out, attached to it, stored as a signed snapshot, in the termination report, and exported in the EU
 * Transparency Database's shape.
 */
describe('statements of reasons', () => {
  const env = testEnv();
  let app: INestApplication;
  let worker: INestApplicationContext;
  let db: DataSource;
  let http: Http;
  let customer: StoredCustomer['customer'];
  let caseId: string;
  const effectiveAt = new Date(Date.now() + 30 * DAY).toISOString();

  beforeAll(async () => {
    app = await createApp(new AppConfig(env));
    await app.init();
    http = await authorizedHttp(app, 'legal');
    db = app.get(DataSource);
    worker = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    ({ customer } = await storeCustomer(db, { language: 'nl' }));
    for (const [i, outcome] of ['removed_late', 'removed_late', 'removed_in_time'].entries()) {
      const { notice } = await storeNotice(db, {
        category: 'csam',
        receivedAt: new Date(Date.now() - (40 - i) * DAY),
      });
      await db.query(
        `UPDATE notices SET customer_id = $2, state = 'closed', outcome = $3, closed_at = now() WHERE id = $1`,
        [notice.id, customer.id, outcome],
      );
    }
    caseId = randomUUID();
    await db.query(
      `INSERT INTO termination_cases (id, customer_id, status, opened_by, reason, workflow_id)
       VALUES ($1, $2, 'notice_period', 'desk:lead',
               'twee gemiste CSAM-termijnen na een laatste waarschuwing, zie https://files.tenant.example/x/y.jpg', $3)`,
      [caseId, customer.id, `termination-${caseId}`],
    );
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await app?.close();
  });

  const sendNotice = () =>
    worker
      .get(TerminationActivitiesService)
      .sendTerminationLetter({ caseId, key: `${caseId}:notice`, kind: 'notice', effectiveAt });

  let statement: StatementOfReasons & { digest: { value: string } };

  it('goes out with the formal notice, in the customer’s language, signed, stored once', async () => {
    await sendNotice();
    await sendNotice(); // a retry of the activity: no second statement, no second email
    const stored = (await db.query(
      `SELECT id, pdf FROM report_snapshots WHERE kind = 'statement_of_reasons' AND subject_id = $1`,
      [caseId],
    )) as { id: string; pdf: Buffer }[];
    expect(stored).toHaveLength(1);

    const mails = await new CapturedMailbox(env.MAIL_CAPTURE_DIR as string).withKey(`${caseId}:notice`);
    expect(mails).toHaveLength(1);
    const mail = await simpleParser(fs.readFileSync(path.join(env.MAIL_CAPTURE_DIR as string, mails[0].id)));
    expect(mail.attachments.map((a) => a.filename)).toEqual([
      `termination-notice-${customer.reference}.pdf`,
      `statement-of-reasons-${customer.reference}.pdf`,
    ]);
    // What the customer received is the stored snapshot, byte for byte, and it verifies.
    expect(mail.attachments[1].content.equals(stored[0].pdf)).toBe(true);
    const jwks = (await http.get('/.well-known/takedown-keys').expect(200)).body as Parameters<
      typeof verifySnapshotFile
    >[1];
    expect(await verifySnapshotFile(mail.attachments[1].content, jwks)).toMatchObject({
      ok: true,
      payload: { kind: 'statement_of_reasons', subjectId: caseId, snapshotId: stored[0].id },
    });

    const listed = (await http.get(`/v1/terminations/${caseId}/statements`).expect(200)).body as {
      id: string;
      json: string;
    }[];
    expect(listed).toEqual([expect.objectContaining({ id: stored[0].id })]);
    statement = (await http.get(listed[0].json).expect(200)).body as typeof statement;
    expect(statement).toMatchObject({
      language: 'nl',
      restriction: { type: 'termination', effectiveAt },
      ground: { type: 'illegal_content' },
      source: { type: 'notice', notifierKinds: ['hotline'] },
      automated: { detection: false, decision: false },
    });
    expect(statement.text.title).toBe('Motivering van de beslissing (art. 17 Digital Services Act)');
    expect(statement.facts).toContain('twee gemiste CSAM-termijnen');
    // The reason quoted a URL: the statement carries it anonymised.
    expect(JSON.stringify(statement)).not.toContain('/x/y.jpg');
    await http.get(`/v1/terminations/${caseId}/statements/${randomUUID()}/statement.pdf`).expect(404);

    // The customer's copy checks out with the CLI, offline, against the published keys.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statement-'));
    fs.writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(jwks));
    fs.writeFileSync(path.join(dir, 'statement.pdf'), mail.attachments[1].content);
    const { stdout } = await runCli(
      ['verify-report', path.join(dir, 'statement.pdf'), '--keys', path.join(dir, 'keys.json')],
      {},
    );
    expect(stdout).toContain(`verified: the PDF of statement of reasons ${stored[0].id}`);
  }, 60_000);

  it('is named in the termination report', async () => {
    const report = (await http.get(`/v1/terminations/${caseId}/report.json`).expect(200))
      .body as SignedTerminationReport;
    expect(report.statementsOfReasons).toEqual([
      { snapshotId: statement.snapshotId, issuedAt: expect.any(String), digest: statement.digest.value },
    ]);
  });

  it('is exported as JSON lines in the Transparency Database shape', async () => {
    const from = new Date(Date.now() - DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const res = await http
      .get(`/v1/statements-of-reasons/transparency-db.jsonl?from=${from}&to=${to}`)
      .expect(200)
      .expect('content-type', /application\/x-ndjson/);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = lines.find((l) => l.puid === `takedown-sor-${statement.snapshotId}`);
    expect(ours).toMatchObject({
      decision_provision: 'DECISION_PROVISION_TOTAL_TERMINATION',
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
      category_specification: ['KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL'],
      source_type: 'SOURCE_ARTICLE_16',
      application_date: effectiveAt.slice(0, 10),
    });
    expect(res.text).not.toContain(customer.name);
    const bad = await http.get(`/v1/statements-of-reasons/transparency-db.jsonl?from=yesterday&to=${to}`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('from');
  });
});
