import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { verifyReport, type SignedTerminationReport } from '@takedown/reports';
import { nodeArgs } from '../support/child-build';
import { storeCustomer } from '../support/customers';
import { authorizedHttp, type Http } from '../support/api';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

const DAY = 86_400_000;
const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The termination report from what PostgreSQL holds: a customer with a history of notices (written here as the
 * workflows would have written them), a standing and a case. JSON with a digest that the CLI verifies, and a PDF.
 */
describe('termination report (JSON, PDF, verify-report)', () => {
  let app: INestApplication;
  let db: DataSource;
  let http: Http;
  let caseId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-report-'));

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    http = await authorizedHttp(app);
    db = app.get(DataSource);
    const { customer, ip } = await storeCustomer(db, { language: 'nl' });
    const start = Date.now() - 80 * DAY;
    // Eight CSAM notices over 80 days: the later ones ever slower, the last two past the 24-hour deadline.
    for (let i = 0; i < 8; i++) {
      const receivedAt = new Date(start + i * 10 * DAY);
      const { notice } = await storeNotice(db, { category: 'csam', ip, receivedAt });
      const ttr = (2 + i * 4) * 3600;
      const deadline = new Date(receivedAt.getTime() + DAY);
      const removedAt = new Date(receivedAt.getTime() + ttr * 1000);
      const late = removedAt > deadline;
      await db.query(
        `UPDATE notices SET customer_id = $2, state = 'closed', deadline = $3, removed_at = $4, closed_at = $4,
           outcome = $5, time_to_removal_seconds = $6 WHERE id = $1`,
        [notice.id, customer.id, deadline, removedAt, late ? 'removed_late' : 'removed_in_time', ttr],
      );
      const events: [string, string, Date, string | null, object][] = [
        ['customer_notified', 'workflow', new Date(receivedAt.getTime() + 1000), null, {}],
        ['customer_reminded', 'workflow', new Date(receivedAt.getTime() + 6 * 3600_000), null, {}],
        ...(late
          ? [
              ['escalated', 'workflow', deadline, 'no confirmed removal', {}] as [
                string,
                string,
                Date,
                string | null,
                object,
              ],
            ]
          : []),
        ['removal_claimed', `customer:${customer.reference}`, removedAt, null, {}],
        [
          'closed',
          'source:hotline',
          removedAt,
          'confirmed gone',
          { outcome: late ? 'removed_late' : 'removed_in_time' },
        ],
      ];
      for (const [type, actor, at, reason, data] of events) {
        await db.query(
          `INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
          [notice.id, type, actor, reason, JSON.stringify(data), at, `${notice.id}:${type}`],
        );
      }
    }
    caseId = randomUUID();
    await db.query(
      `INSERT INTO termination_cases (id, customer_id, status, opened_by, reason, workflow_id, opened_at, effective_at)
       VALUES ($1, $2, 'notice_period', 'desk:lead', 'two missed CSAM deadlines after a final warning', $3, $4, $5)`,
      [
        caseId,
        customer.id,
        `termination-${caseId}`,
        new Date(Date.now() - 3 * DAY),
        new Date(Date.now() + 27 * DAY),
      ],
    );
    for (const [i, [type, actor, reason]] of (
      [
        ['opened', 'workflow', null],
        [
          'task_completed',
          'legal:m.devries',
          'the record supports it: see https://files.tenant-a.example/gallery/legal-note.jpg, ask j.doe@tenant.example',
        ],
        ['approved', 'workflow', null],
      ] as const
    ).entries()) {
      await db.query(
        `INSERT INTO termination_case_events (case_id, type, actor, reason, data, occurred_at, idempotency_key)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
        [
          caseId,
          type,
          actor,
          reason,
          JSON.stringify(type === 'task_completed' ? { kind: 'legal_review', outcome: 'approve' } : {}),
          new Date(Date.now() - (3 - i) * DAY),
          `${caseId}:${i}`,
        ],
      );
    }
    await db.query(
      `INSERT INTO customer_standing_events (customer_id, type, actor, reason, level, previous_level, occurred_at, idempotency_key)
       VALUES ($1, 'notice_closed', 'workflow', NULL, 'final_warning', 'warning', $2, $3),
              ($1, 'bad_faith', 'desk:lead', 'refused on the phone', 'termination_case', 'final_warning', $4, $5)`,
      [
        customer.id,
        new Date(Date.now() - 10 * DAY),
        `${caseId}:s1`,
        new Date(Date.now() - 3 * DAY),
        `${caseId}:s2`,
      ],
    );
  });

  afterAll(async () => {
    await app?.close();
  });

  const cli = (file: string) => {
    try {
      execFileSync(process.execPath, [...nodeArgs('apps/cli/src/main.ts'), 'verify-report', file], {
        cwd: ROOT,
        stdio: 'pipe',
      });
      return 0;
    } catch (err) {
      return (err as { status: number }).status;
    }
  };

  it('report.json: every notice with its timestamps, no URL, a digest that verifies and that the CLI checks', async () => {
    const res = await http.get(`/v1/terminations/${caseId}/report.json`).expect(200);
    const report = res.body as SignedTerminationReport;
    // Handing out the report is on the audit trail, with who asked for it.
    const issued = (await db.query(
      `SELECT actor_kind, role FROM audit_log WHERE action = 'termination.report.json' AND target_id = $1`,
      [caseId],
    )) as { actor_kind: string; role: string | null }[];
    expect(issued).toEqual([{ actor_kind: 'token', role: expect.any(String) }]);
    expect(report.notices).toHaveLength(8);
    expect(report.summary).toMatchObject({ notices: 8, deadlinesMissed: 2, deadlinesMet: 6 });
    expect(report.notices[7]).toMatchObject({
      deadlineMet: false,
      outcome: 'removed_late',
      remindedAt: [expect.any(String)],
    });
    expect(report.notices[0].customerAnswers[0].type).toBe('removal_claimed');
    expect(report.decisions.map((d) => d.decision)).toEqual(
      expect.arrayContaining(['legal_review: approve', 'bad_faith']),
    );
    expect(JSON.stringify(report)).not.toContain('/gallery/');
    // Free text is anonymised as URLs are: the host and a keyed hash stay, the path and the address go.
    expect(report.decisions.find((d) => d.decision === 'legal_review: approve')?.why).toMatch(
      /^the record supports it: see https:\/\/files\.tenant-a\.example\/\[hmac:[\w.-]+:[0-9a-f]{64}\], ask \[email removed\]$/,
    );
    expect(verifyReport(report)).toMatchObject({ ok: true });

    const file = path.join(dir, 'report.json');
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
    expect(cli(file)).toBe(0);
    const tampered = { ...report, case: { ...report.case, openedBy: 'desk:someone-else' } };
    fs.writeFileSync(file, JSON.stringify(tampered, null, 2));
    expect(cli(file)).toBe(65);
  }, 60_000);

  it('report.pdf: a PDF of several pages', async () => {
    const res = await http
      .get(`/v1/terminations/${caseId}/report.pdf`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200)
      .expect('content-type', 'application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length).toBeGreaterThanOrEqual(4);
    if (process.env.REPORT_PDF_OUT) fs.writeFileSync(process.env.REPORT_PDF_OUT, pdf);
  });

  it('an unknown case is 404 for both', async () => {
    await http.get(`/v1/terminations/${randomUUID()}/report.json`).expect(404);
    await http.get(`/v1/terminations/${randomUUID()}/report.pdf`).expect(404);
  });
});
