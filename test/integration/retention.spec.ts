import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { resolveUrlHashKeys } from '@takedown/config';
import { anonymisedText, anonymisedUrl, type Category } from '@takedown/domain';
import type { RetentionReport } from '@takedown/persistence';
import { redactedUrl, verifyReport, type SignedTerminationReport } from '@takedown/reports';
import { authorizedHttp, type Http } from '../support/api';
import { runCli } from '../support/cli';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { ownDatabase } from '../support/own-database';
import { storeNotice } from '../support/notices';

const DAY = 86_400_000;
const URL_A = 'https://files.tenant-a.example/gallery/8f1c2e';
const REPORTER = 'j.jansen@hotline.example';
const PERIOD = { from: new Date(Date.now() - 1000 * DAY).toISOString(), to: new Date().toISOString() };

/**
 * Retention on a database of its own (other tests' notices stay out of it): closed notices past their retention are
 * anonymised, and what counts as evidence (counts, timings, outcomes, the termination report's content, the
 * transparency figures) stays the same. Driven through the CLI, as cron would run it.
 */
describe('retention: anonymising closed notices (takedown retention run)', () => {
  const own = ownDatabase('retention');
  // The key the API and the CLI generate in the test stack's data folder.
  const KEY = resolveUrlHashKeys(testEnv())[0];
  const url = own.url;
  let db: DataSource;
  let app: INestApplication;
  let http: Http;
  let customerId: string;
  let caseId: string;
  const ids = {} as Record<'old' | 'spam' | 'recent' | 'open', string>;
  const raw = {} as Record<'old' | 'recent', string>;

  const cli = async (...args: string[]) =>
    (
      await runCli(args, {
        DATABASE_URL: url,
        RETENTION_DAYS: '365',
        RETENTION_DAYS_BY_CATEGORY: 'spam:30',
      })
    ).stdout;
  const run = async (...flags: string[]) =>
    JSON.parse(await cli('retention', 'run', '--json', ...flags)) as RetentionReport;

  /** Every row retention may touch, to compare before and after. */
  const snapshot = async () => ({
    notices: await db.query(`SELECT * FROM notices ORDER BY id`),
    reports: await db.query(`SELECT * FROM notice_reports ORDER BY id`),
    events: await db.query(`SELECT * FROM notice_events ORDER BY id`),
    tasks: await db.query(`SELECT * FROM tasks ORDER BY id`),
    emails: await db.query(`SELECT * FROM outbound_emails ORDER BY idempotency_key`),
    raw: await db.query(`SELECT * FROM raw_messages ORDER BY id`),
  });
  const report = async () =>
    (await http.get(`/v1/terminations/${caseId}/report.json`).expect(200)).body as SignedTerminationReport;
  const stats = async () =>
    (await http.get('/v1/stats/transparency').query(PERIOD).expect(200)).body as unknown;

  /** A notice as its workflow would have left it, closed `closedDaysAgo` days ago (or still open). */
  const notice = async (category: Category, ip: string, closedDaysAgo: number | null) => {
    const receivedAt = new Date(Date.now() - ((closedDaysAgo ?? 500) + 1) * DAY);
    const { notice: n } = await storeNotice(db, { category, ip, receivedAt, sourceContact: REPORTER });
    const removedAt = new Date(receivedAt.getTime() + 5 * 3600_000);
    await db.query(
      `UPDATE notices SET customer_id = $2, deadline = $3, description = $4, original_text = $5,
         urls = $6, policy_id = 'default', policy_version = 1 WHERE id = $1`,
      [
        n.id,
        customerId,
        new Date(receivedAt.getTime() + DAY),
        `Seen at ${URL_A}/2 by ${REPORTER}`,
        `From: ${REPORTER}\n\nPlease remove ${URL_A}`,
        [URL_A, 'https://cdn.tenant-a.example/x.jpg?sig=abc'],
      ],
    );
    if (closedDaysAgo !== null) {
      await db.query(
        `UPDATE notices SET state = 'closed', outcome = 'removed_in_time', removed_at = $2,
           closed_at = $3, time_to_removal_seconds = 18000 WHERE id = $1`,
        [n.id, removedAt, new Date(Date.now() - closedDaysAgo * DAY)],
      );
    }
    await db.query(
      `INSERT INTO notice_reports (notice_id, source_kind, source_name, source_reference, source_contact, received_at)
       VALUES ($1, 'hotline', 'Second Hotline', $2, 'desk@second-hotline.example', $3)`,
      [n.id, `SH-${n.id}`, receivedAt],
    );
    const events: [string, string, string | null, object][] = [
      ['received', 'workflow', null, { category }],
      ['customer_notified', 'workflow', null, { customerId }],
      ['duplicate_report', 'source:Second Hotline', null, { sourceReference: `SH-${n.id}` }],
      ['disputed', 'customer:C-1', `not ours, see ${URL_A} and ask ${REPORTER}`, {}],
      [
        'task_completed',
        'desk:alice',
        'the address is in your range',
        { kind: 'dispute_review', outcome: 'reject' },
      ],
      ['removal_claimed', 'customer:C-1', null, {}],
      ...(closedDaysAgo !== null
        ? [
            ['closed', 'source:hotline', `gone from ${URL_A}`, { outcome: 'removed_in_time' }] as [
              string,
              string,
              string,
              object,
            ],
          ]
        : []),
    ];
    for (const [i, [type, actor, reason, data]] of events.entries()) {
      await db.query(
        `INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
        [
          n.id,
          type,
          actor,
          reason,
          JSON.stringify(data),
          new Date(receivedAt.getTime() + i * 600_000),
          `${n.id}:${i}`,
        ],
      );
    }
    await db.query(
      `INSERT INTO tasks (notice_id, kind, assignee, assignee_email, status, outcome, summary, due_at, completed_at,
         completed_by, note, idempotency_key)
       VALUES ($1, 'dispute_review', 'abuse_desk', 'desk@provider.example', 'completed', 'reject', $2, $3, $3,
         'desk:alice', 'the address is in your range', $4)`,
      [n.id, `The customer disputes the notice: not ours, see ${URL_A}`, removedAt, `${n.id}:task:1`],
    );
    await db.query(
      `INSERT INTO outbound_emails (idempotency_key, to_addresses, subject, sent_at)
       VALUES ($1, $2, 'notice', now()), ($3, $4, 'feedback', now())`,
      [`${n.id}:notify:0`, ['abuse@tenant.example'], `${n.id}:feedback:0`, [REPORTER]],
    );
    return n.id;
  };

  beforeAll(async () => {
    await own.start();
    ({ db, app } = own);
    http = await authorizedHttp(app);

    const { customer, ip } = await storeCustomer(db);
    customerId = customer.id;
    ids.old = await notice('csam', ip, 400);
    ids.spam = await notice('spam', ip, 100); // spam is kept 30 days (RETENTION_DAYS_BY_CATEGORY)
    ids.recent = await notice('csam', ip, 10);
    ids.open = await notice('csam', ip, null);
    for (const [key, daysAgo] of [
      ['old', 400],
      ['recent', 3],
    ] as const) {
      const [row] = (await db.query(
        `INSERT INTO raw_messages (received_at, channel, sender, message_id, size_bytes, headers, text, error)
         VALUES ($1, 'smtp', $2, '<m1@hotline.example>', 900, 'From: x', $3, $4) RETURNING id`,
        [
          new Date(Date.now() - daysAgo * DAY),
          REPORTER,
          `Please remove ${URL_A}`,
          `sender ${REPORTER} is not in INBOUND_MAIL_SOURCES`,
        ],
      )) as { id: string }[];
      raw[key] = row.id;
    }
    caseId = randomUUID();
    await db.query(
      `INSERT INTO termination_cases (id, customer_id, status, opened_by, reason, workflow_id, opened_at)
       VALUES ($1, $2, 'legal_review', 'desk:lead', 'repeated CSAM', $3, now())`,
      [caseId, customerId, `termination-${caseId}`],
    );
  }, 120_000);

  afterAll(() => own.stop());

  let dryRun: Record<string, number>;
  let reportBefore: SignedTerminationReport;
  let statsBefore: unknown;

  it('dry run: prints the rows per table and example ids that would change, and changes nothing', async () => {
    reportBefore = await report();
    statsBefore = await stats();
    const before = await snapshot();
    const text = await cli('retention', 'run', '--dry-run');
    expect(text).toMatch(
      /^DRY RUN, nothing changed: would anonymise closed notices older than 365 days \(spam 30 days\)/,
    );
    expect(text).toContain(`notices, for example: ${ids.old}, ${ids.spam}\n`);
    expect(text).toContain(`raw messages, for example: ${raw.old}`);
    dryRun = Object.fromEntries(
      [...text.matchAll(/^ {2}(\w+)\s+(\d+) rows$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    expect(dryRun).toEqual({
      notices: 2,
      notice_reports: 4,
      // Per notice: the dispute and the closing reason are reduced; the duplicate's reference has nothing to reduce.
      notice_events: 4,
      tasks: 2,
      outbound_emails: 2,
      raw_messages: 1,
      removal_orders: 0,
    });
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it('run: URLs become host + hash, reporter contact and mail text go, timestamps and outcomes stay', async () => {
    const before = await snapshot();
    const result = await run();
    expect(result.rows).toEqual(dryRun); // the dry run counted exactly what the run changed

    const [old] = (await db.query(`SELECT * FROM notices WHERE id = $1`, [ids.old])) as Record<
      string,
      unknown
    >[];
    const was = before.notices.find((n: { id: string }) => n.id === ids.old);
    expect(old.urls).toEqual(
      [URL_A, 'https://cdn.tenant-a.example/x.jpg?sig=abc'].map((u) => anonymisedUrl(u, KEY)),
    );
    expect(old.urls).toEqual([
      expect.stringMatching(/^https:\/\/files\.tenant-a\.example\/\[hmac:[\w.-]+:[0-9a-f]{64}\]$/),
      expect.stringMatching(/^https:\/\/cdn\.tenant-a\.example\/\[hmac:[\w.-]+:[0-9a-f]{64}\]$/),
    ]);
    expect(old).toMatchObject({ source_contact: null, original_text: null, anonymised_at: expect.any(Date) });
    expect(old.description).toBe(anonymisedText(`Seen at ${URL_A}/2 by ${REPORTER}`, KEY));
    for (const kept of [
      'category',
      'customer_id',
      'source_kind',
      'source_name',
      'source_reference',
      'received_at',
      'deadline',
      'removed_at',
      'closed_at',
      'outcome',
      'time_to_removal_seconds',
      'hashes',
      'ip',
      'policy_version',
    ]) {
      expect([kept, old[kept]]).toEqual([kept, was[kept]]);
    }

    const reports = (await db.query(`SELECT source_contact FROM notice_reports WHERE notice_id = $1`, [
      ids.old,
    ])) as { source_contact: string | null }[];
    expect(reports).toEqual([{ source_contact: null }, { source_contact: null }]);

    const events = (await db.query(
      `SELECT type, actor, reason, data, occurred_at FROM notice_events WHERE notice_id = $1 ORDER BY id`,
      [ids.old],
    )) as { type: string; actor: string; reason: string | null; occurred_at: Date }[];
    const eventsBefore = before.events.filter((e: { notice_id: string }) => e.notice_id === ids.old);
    expect(events.map((e) => [e.type, e.actor, e.occurred_at])).toEqual(
      eventsBefore.map((e: { type: string; actor: string; occurred_at: Date }) => [
        e.type,
        e.actor,
        e.occurred_at,
      ]),
    );
    const disputed = events.find((e) => e.type === 'disputed')!;
    expect(disputed.reason).toMatch(
      /^not ours, see https:\/\/files\.tenant-a\.example\/\[hmac:[\w.-]+:[0-9a-f]{64}\] and ask \[email removed\]$/,
    );
    expect(JSON.stringify(events)).not.toMatch(/gallery|jansen/);

    const [task] = (await db.query(
      `SELECT summary, note, status, completed_at FROM tasks WHERE notice_id = $1`,
      [ids.old],
    )) as { summary: string }[];
    expect(task.summary).not.toContain('gallery');
    expect(task).toMatchObject({ status: 'completed', note: 'the address is in your range' });

    const emails = (await db.query(
      `SELECT idempotency_key, to_addresses FROM outbound_emails WHERE idempotency_key LIKE $1 ORDER BY 1`,
      [`${ids.old}:%`],
    )) as { idempotency_key: string; to_addresses: string[] }[];
    expect(emails.map((e) => e.to_addresses)).toEqual([[], ['abuse@tenant.example']]); // feedback, then notify

    const rawRows = (await db.query(
      `SELECT id, sender, message_id, headers, text, error, size_bytes, anonymised_at FROM raw_messages ORDER BY received_at`,
    )) as Record<string, unknown>[];
    expect(rawRows[0]).toMatchObject({
      id: raw.old,
      sender: null,
      message_id: null,
      headers: '',
      text: '',
      error: 'sender [email removed] is not in INBOUND_MAIL_SOURCES',
      size_bytes: 900,
      anonymised_at: expect.any(Date),
    });
    expect(rawRows[1]).toMatchObject({ id: raw.recent, sender: REPORTER, anonymised_at: null });

    // The recently closed notice and the open one are untouched.
    const after = await snapshot();
    for (const id of [ids.recent, ids.open]) {
      expect(after.notices.find((n: { id: string }) => n.id === id)).toEqual(
        before.notices.find((n: { id: string }) => n.id === id),
      );
      expect(after.events.filter((e: { notice_id: string }) => e.notice_id === id)).toEqual(
        before.events.filter((e: { notice_id: string }) => e.notice_id === id),
      );
    }
    const [{ n: audited }] = (await db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.run'`,
    )) as { n: number }[];
    expect(audited).toBe(1);
  }, 120_000);

  it('keeps the termination report as it was, its free text reduced, and its digest verifies', async () => {
    const after = await report();
    expect(verifyReport(after)).toMatchObject({ ok: true });
    expect(verifyReport(reportBefore)).toMatchObject({ ok: true }); // a report issued earlier stays valid
    // Host and hash of each URL are what the report showed before; the counts, timings and outcomes too.
    expect(after.notices.map((n) => n.urls)).toEqual(reportBefore.notices.map((n) => n.urls));
    expect(after.notices[0].urls[0]).toEqual(redactedUrl(URL_A, KEY));
    const reduce = (r: SignedTerminationReport) => ({
      ...r,
      generatedAt: null,
      digest: null,
      notices: r.notices.map((n) => ({
        ...n,
        customerAnswers: n.customerAnswers.map((a) => ({
          ...a,
          reason: a.reason && anonymisedText(a.reason, KEY),
        })),
      })),
      decisions: r.decisions.map((d) => ({ ...d, why: d.why && anonymisedText(d.why, KEY) })),
    });
    expect(reduce(after)).toEqual(reduce(reportBefore));
    const anonymised = after.notices.filter((n) => n.id === ids.old || n.id === ids.spam);
    expect(anonymised).toHaveLength(2);
    expect(JSON.stringify(anonymised)).not.toMatch(/gallery|jansen/);
  });

  it('keeps the transparency figures exactly as they were', async () => {
    expect(await stats()).toEqual(statsBefore);
  });

  it('changes nothing when run again', async () => {
    const before = await snapshot();
    const again = await run();
    expect(Object.values(again.rows)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(again.examples).toEqual({ notices: [], rawMessages: [] });
    expect(await snapshot()).toEqual(before);
    const [{ n: audited }] = (await db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.run'`,
    )) as { n: number }[];
    expect(audited).toBe(1);
  }, 60_000);

  it('keeps the timeline append-only outside retention: what happened, when and by whom never changes', async () => {
    await expect(
      db.query(`UPDATE notice_events SET reason = 'x' WHERE notice_id = $1`, [ids.recent]),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`SET LOCAL takedown.retention = 'on'`);
        await tx.query(`UPDATE notice_events SET type = 'x' WHERE notice_id = $1`, [ids.old]);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`SET LOCAL takedown.retention = 'on'`);
        await tx.query(`UPDATE notice_events SET reason = 'x' WHERE notice_id = $1`, [ids.recent]);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM notice_events WHERE notice_id = $1`, [ids.old])).rejects.toThrow(
      /append-only/,
    );
  });
});
