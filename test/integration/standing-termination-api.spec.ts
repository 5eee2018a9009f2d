import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { simpleParser } from 'mailparser';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { temporalDataConverter } from '@takedown/config';
import { resolveLinkKeys, signLink } from '@takedown/links';
import { CapturedMailbox } from '@takedown/mail';
import { verifyReport } from '@takedown/reports';
import { noticeWorkflowId } from '@takedown/workflows/task-queues';
import { noticeWorkflow } from '@takedown/workflows/notice.workflow';
import { startSystem, type RunningSystem } from '../support/api';
import { storeCustomer } from '../support/customers';
import { lockWaiters } from '../support/db-barrier';
import { eventually } from '../support/eventually';
import { storeNotice } from '../support/notices';

/**
 * A customer's standing and a termination case on the real stack (PostgreSQL, Temporal dev server, SMTP capture),
 * driven through HTTP, under the demo profile: a 30-day notice period lasts 30 seconds.
 */
describe('customer standing and termination through the API (demo timers)', () => {
  let sys: RunningSystem;
  let app: INestApplication;
  let db: DataSource;
  let connection: Connection;
  let client: Client;
  const http = () => sys.http;

  beforeAll(async () => {
    sys = await startSystem({ POLICY_PROFILE: 'demo' });
    app = sys.app;
    db = app.get(DataSource);
    connection = await Connection.connect({ address: sys.env.TEMPORAL_ADDRESS });
    client = new Client({ connection, dataConverter: temporalDataConverter(sys.env) });
  });

  afterAll(async () => {
    await connection?.close();
    await sys?.stop();
  });

  const standing = (customerId: string) =>
    http()
      .get(`/v1/customers/${customerId}/standing`)
      .then(
        (r) =>
          r.body as {
            level: string;
            eventCount: number;
            terminationCaseId: string | null;
            events: { type: string }[];
          },
      );
  const caseTask = async (caseId: string, kind: string) =>
    eventually(
      async () =>
        (
          (await http().get(`/v1/tasks?case=${caseId}&status=open`)).body as {
            items: { id: string; kind: string }[];
          }
        ).items,
      (items) => items.some((t) => t.kind === kind),
      60_000,
    ).then((items) => items.find((t) => t.kind === kind) as { id: string });

  it('a closed notice reaches its customer’s standing, which GET /v1/customers/:id/standing reads from PostgreSQL', async () => {
    const { customer, ip } = await storeCustomer(db, { policyProfile: 'demo' });
    expect(await standing(customer.id)).toMatchObject({ level: 'good', eventCount: 0 });
    const { notice, input } = await storeNotice(db, { category: 'phishing', ip });
    await client.workflow.start(noticeWorkflow, {
      args: [input],
      workflowId: noticeWorkflowId(notice.id),
      taskQueue: sys.env.TEMPORAL_TASK_QUEUE,
    });
    await eventually(
      async () => (await db.query(`SELECT state FROM notices WHERE id = $1`, [notice.id]))[0].state as string,
      (s) => s === 'customer_notified',
    );
    await http()
      .post(`/v1/notices/${notice.id}/actions/confirm-removal`)
      .send({ by: 'desk:test' })
      .expect((r) => expect(r.status).toBeLessThan(300));
    const s = await eventually(
      () => standing(customer.id),
      (x) => x.eventCount === 1,
    );
    expect(s.level).toBe('good');
    expect(s.events[0].type).toBe('notice_closed');
  });

  it('records a desk finding sent twice with one Idempotency-Key once', async () => {
    const { customer } = await storeCustomer(db, { policyProfile: 'demo' });
    const send = (key: string, type: string) =>
      http()
        .post(`/v1/customers/${customer.id}/standing/events`)
        .set('Idempotency-Key', key)
        .send({ type, measure: 'hash_check_uploads', by: 'desk:test' });
    await send('finding-1', 'measure_verified').expect(202);
    await send('finding-1', 'measure_verified').expect(202);
    await send('finding-2', 'measure_dropped').expect(202);
    // Signals are taken in order: once the second finding is counted, the repeat of the first was dropped.
    const s = await eventually(
      () => standing(customer.id),
      (x) => JSON.stringify(x.events).includes('dropped'),
    );
    expect(s.eventCount).toBe(2);
    const bad = await send('no spaces allowed', 'measure_verified').expect(400);
    expect(bad.body.fields[0].field).toBe('Idempotency-Key');
  });

  it('reads a standing and its events as of one moment, an event that lands between its reads in neither', async () => {
    const { customer } = await storeCustomer(db, { policyProfile: 'demo' });
    await http()
      .post(`/v1/customers/${customer.id}/standing/events`)
      .send({ type: 'measure_verified', measure: 'hash_check_uploads', by: 'desk:test' })
      .expect(202);
    await eventually(
      () => standing(customer.id),
      (x) => x.eventCount === 1 && x.events.length === 1,
    );
    // The events table held, so that the read stops between the standing's row and its events; meanwhile another
    // event lands, as the workflow records one: its row and the count in one commit. Once, the read answered an
    // eventCount of 1 beside two events (a full run's standing test found it, by chance).
    const barrier = new PgClient({ connectionString: sys.env.DATABASE_URL });
    await barrier.connect();
    let read: Awaited<ReturnType<typeof standing>>;
    try {
      await barrier.query('BEGIN');
      await barrier.query('LOCK TABLE customer_standing_events IN ACCESS EXCLUSIVE MODE');
      const reading = standing(customer.id);
      await lockWaiters(barrier, 1, 'previous_level, occurred_at, data FROM customer_standing_events');
      await barrier.query(
        `INSERT INTO customer_standing_events
           (customer_id, type, actor, data, level, previous_level, occurred_at, idempotency_key)
         SELECT customer_id, type, actor, data, level, previous_level, now(), idempotency_key || ':again'
         FROM customer_standing_events WHERE customer_id = $1`,
        [customer.id],
      );
      await barrier.query(
        `UPDATE customer_standings SET event_count = event_count + 1 WHERE customer_id = $1`,
        [customer.id],
      );
      await barrier.query('COMMIT');
      read = await reading;
    } finally {
      await barrier.end();
    }
    expect({ eventCount: read.eventCount, events: read.events.length }).toEqual({ eventCount: 1, events: 1 });
    expect(await standing(customer.id)).toMatchObject({ eventCount: 2, events: [{}, {}] });
  });

  it('GET standing of an unknown customer is 404', async () => {
    await http().get('/v1/customers/00000000-0000-4000-8000-00000000dead/standing').expect(404);
  });

  it('bad faith → a case at once → legal approves by API → notice → decommissioned → customer terminated, prefixes ended', async () => {
    // 20 days of 1 s: the demo reminder, 10 s before the end, still comes well after the letters sent at the approval.
    const { customer } = await storeCustomer(db, {
      policyProfile: 'demo',
      language: 'nl',
      noticePeriodDays: 20,
    });
    await http()
      .post(`/v1/customers/${customer.id}/standing/events`)
      .send({ type: 'bad_faith', by: 'desk:lead', reason: 'weigert structureel meldingen af te handelen' })
      .expect(202);
    const s = await eventually(
      () => standing(customer.id),
      (x) => x.terminationCaseId !== null,
    );
    expect(s.level).toBe('termination_case');
    const caseId = s.terminationCaseId as string;
    // The letter follows the recorded level: wait for both emails to be sent.
    const letters = await eventually(
      async () =>
        (await db.query(
          `SELECT subject FROM outbound_emails WHERE idempotency_key LIKE $1 AND sent_at IS NOT NULL`,
          [`${customer.id}:%:letter%`],
        )) as { subject: string }[],
      (rows) => rows.length === 2,
    );
    expect(letters.map((l) => l.subject)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('standing good → termination_case'),
        expect.stringContaining('Uw status bij misbruikmeldingen'),
      ]),
    );

    // Legal is asked, and approves through the tasks API.
    const review = await caseTask(caseId, 'legal_review');
    const task = await http().get(`/v1/tasks/${review.id}`).expect(200);
    expect(task.body).toMatchObject({
      kind: 'legal_review',
      assignee: 'legal',
      notice: null,
      terminationCase: { id: caseId },
    });
    const approving = Date.now();
    await http()
      .post(`/v1/tasks/${review.id}/complete`)
      .send({ outcome: 'approve', by: 'legal:m.devries', note: 'the finding stands' })
      .expect(200);
    const noticed = await eventually(
      async () =>
        (await http().get(`/v1/terminations/${caseId}`)).body as {
          status: string;
          effectiveAt: string | null;
        },
      (c) => c.status === 'notice_period',
    );
    // The notice period runs from the approval: 20 days of 1 s.
    expect(Date.parse(noticed.effectiveAt as string)).toBeGreaterThanOrEqual(approving + 20_000);
    // The case's status is written before the customer's: wait for the second too.
    await eventually(
      async () => (await http().get(`/v1/customers/${customer.id}`)).body.status as string,
      (status) => status === 'terminating',
    );

    // The notice period passes; the NOC decommissions; the case cannot be withdrawn any more.
    const decommission = await caseTask(caseId, 'decommission');
    await http()
      .post(`/v1/terminations/${caseId}/withdraw`)
      .send({ by: 'legal:m.devries', reason: 'too late' })
      .expect(409);
    await http()
      .post(`/v1/tasks/${decommission.id}/complete`)
      .send({ outcome: 'done', by: 'noc:j.smit' })
      .expect(200);
    const done = await eventually(
      async () =>
        (await http().get(`/v1/terminations/${caseId}`)).body as {
          status: string;
          events: { type: string }[];
        },
      (c) => c.status === 'terminated',
    );
    expect(done.events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'opened',
        'approved',
        'customer_notified',
        'customer_reminded',
        'effective',
        'prefixes_released',
        'terminated',
      ]),
    );
    await http()
      .get(`/v1/customers/${customer.id}`)
      .expect((r) => expect(r.body.status).toBe('terminated'));
    const prefixes = (await db.query(`SELECT valid_to FROM prefix_assignments WHERE customer_id = $1`, [
      customer.id,
    ])) as { valid_to: Date | null }[];
    expect(prefixes.length).toBeGreaterThan(0);
    expect(prefixes.every((p) => p.valid_to !== null)).toBe(true); // ended, not deleted
    const sent = (await db.query(
      `SELECT subject FROM outbound_emails WHERE idempotency_key LIKE $1 AND sent_at IS NOT NULL`,
      [`${caseId}:%`],
    )) as { subject: string }[];
    const report = await http().get(`/v1/terminations/${caseId}/report.json`).expect(200);
    expect(verifyReport(report.body)).toMatchObject({ ok: true });
    expect(report.body.timeline.map((e: { type: string }) => e.type)).toContain('terminated');
    const pdf = await http()
      .get(`/v1/terminations/${caseId}/report.pdf`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    expect(sent.map((m) => m.subject)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Opzegging van uw overeenkomst'),
        expect.stringContaining('Herinnering'),
      ]),
    );
    // The formal notice carries the letter as a PDF too.
    const mailbox = new CapturedMailbox(sys.env.MAIL_CAPTURE_DIR as string);
    const [notice] = (await mailbox.withKeyPrefix(`${caseId}:`)).filter((m) =>
      m.subject.startsWith('Opzegging'),
    );
    const letter = await simpleParser(
      fs.readFileSync(path.join(sys.env.MAIL_CAPTURE_DIR as string, notice.id)),
    );
    // And the statement of reasons (DSA Art. 17), before anything restricts the service.
    expect(letter.attachments.map((a) => [a.contentType, a.filename])).toEqual([
      ['application/pdf', `termination-notice-${customer.reference}.pdf`],
      ['application/pdf', `statement-of-reasons-${customer.reference}.pdf`],
    ]);
    expect(letter.attachments[0].content.subarray(0, 5).toString()).toBe('%PDF-');
    const [statement] = (await db.query(
      `SELECT created_at, pdf FROM report_snapshots WHERE kind = 'statement_of_reasons' AND subject_id = $1`,
      [caseId],
    )) as { created_at: Date; pdf: Buffer }[];
    expect(letter.attachments[1].content.equals(statement.pdf)).toBe(true);
    const [decommissionTask] = (await db.query(
      `SELECT created_at FROM tasks WHERE case_id = $1 AND kind = 'decommission'`,
      [caseId],
    )) as { created_at: Date }[];
    expect(statement.created_at.getTime()).toBeLessThanOrEqual(decommissionTask.created_at.getTime());
  }, 120_000);

  it('legal can open a case by hand (as the signed-in principal) and withdraw it during review; a second case for the customer is refused', async () => {
    const { customer } = await storeCustomer(db, { policyProfile: 'demo' });
    const opened = await http()
      .post('/v1/terminations')
      .send({ customerId: customer.id, by: 'legal:m.devries', reason: 'contract breach' })
      .expect(201);
    // Who opened it is the token that asked, never the `by` its body named.
    expect(opened.body.openedBy).toMatch(/^token:/);
    await http()
      .post('/v1/terminations')
      .send({ customerId: customer.id, by: 'legal:m.devries', reason: 'again' })
      .expect(409);
    const review = await caseTask(opened.body.id, 'legal_review');
    // The signed link in legal's email shows the case, and changes nothing on a GET.
    const token = signLink(resolveLinkKeys(sys.env), { t: 'task', id: review.id, action: 'reject' }, 60_000);
    const page = await http().get(`/links/${token}`).expect(200);
    expect(page.text).toContain('Termination case');
    expect(page.text).toContain(opened.body.id);
    await http()
      .post(`/v1/terminations/${opened.body.id}/withdraw`)
      .send({ by: 'legal:m.devries', reason: 'remedied' })
      .expect(202);
    await eventually(
      async () => (await http().get(`/v1/terminations/${opened.body.id}`)).body.status as string,
      (s) => s === 'withdrawn',
    );
    const [t] = (await db.query(`SELECT status FROM tasks WHERE case_id = $1`, [opened.body.id])) as {
      status: string;
    }[];
    expect(t.status).toBe('cancelled');
  });
});
