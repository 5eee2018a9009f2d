import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { insertRemovalOrder } from '@takedown/persistence';
import { storeCustomer } from '../support/customers';
import { authorizedHttp, type Http } from '../support/api';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

const H = 3_600_000;

/**
 * The yearly DSA Art. 15 report over a fixed data set in 2003 (a year no other test writes to), every figure below
 * counted by hand from the table of notices and orders.
 */
describe('GET /v1/reports/transparency', () => {
  let app: INestApplication;
  let db: DataSource;
  let http: Http;

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    http = await authorizedHttp(app);
    db = app.get(DataSource);
    const { ip } = await storeCustomer(db);
    const base = Date.parse('2003-03-10T00:00:00Z');
    // [category, source kind, hours to removal or suspension (null: none), outcome, order: [state, hours to ack]]
    type Row = [string, string, number | null, string | null, [string, number | null]?];
    const rows: Row[] = [
      ['csam', 'hotline', 2, 'removed_in_time'],
      ['csam', 'hotline', 30, 'removed_late'],
      ['csam', 'trusted_flagger', 4, 'removed_in_time'],
      ['csam', 'police', 6, 'suspended'],
      ['phishing', 'public', 10, 'removed_in_time'],
      ['phishing', 'provider', null, 'invalid'],
      ['phishing', 'public', null, null],
      ['spam', 'internal', 1, 'removed_in_time'],
      ['spam', 'internal', null, 'disputed_accepted'],
      ['terrorist_content', 'police', 0.5, 'removed_in_time', ['DE', 0.1]],
      ['terrorist_content', 'police', 1.5, 'removed_late', ['DE', 0.3]],
      ['terrorist_content', 'police', null, 'withdrawn_by_source', ['FR', null]],
      ['terrorist_content', 'police', null, null, ['DE', 0.2]],
    ];
    for (const [i, [category, kind, hours, outcome, order]] of rows.entries()) {
      const receivedAt = new Date(base + i * H);
      const { notice } = await storeNotice(db, { category: category as 'csam', ip, receivedAt });
      const actedAt = hours === null ? null : new Date(receivedAt.getTime() + hours * H);
      const removed = outcome === 'removed_in_time' || outcome === 'removed_late';
      await db.query(
        `UPDATE notices SET source_kind = $2, outcome = $3, removed_at = $4, closed_at = $5, state = $6 WHERE id = $1`,
        [
          notice.id,
          kind,
          outcome,
          removed ? actedAt : null,
          outcome === null ? null : (actedAt ?? new Date(receivedAt.getTime() + 50 * H)),
          outcome ? 'closed' : 'escalated',
        ],
      );
      if (i < 3) {
        // Appeals against the first three: [kind, status, hours to the review's decision]
        const [kind, status, hours] = (
          [
            ['strike', 'reversed', 2],
            ['strike', 'upheld', 4],
            ['rejection', 'under_review', null],
          ] as const
        )[i];
        await db.query(
          `INSERT INTO appeals (id, kind, notice_id, appellant, reason, decided_by, decided_at, status, filed_at,
                                review_due_at, reviewed_by, reviewed_at, workflow_id)
           VALUES ($1, $2, $3, 'customer', 'test', 'desk-1', $4, $5, $4, $4, $6, $7, $8)`,
          [
            randomUUID(),
            kind,
            notice.id,
            receivedAt,
            status,
            hours === null ? null : 'lead-1',
            hours === null ? null : new Date(receivedAt.getTime() + hours * H),
            `appeal-test-${i}`,
          ],
        );
      }
      if (!order) continue;
      const [memberState, ackHours] = order;
      await insertRemovalOrder(db, {
        id: randomUUID(),
        noticeId: notice.id,
        authority: 'Test authority',
        memberState,
        reference: `T-${i}`,
        issuedAt: receivedAt,
        receivedAt,
        urls: ['https://example.test/x'],
        reasons: 'test',
        contactPoint: 'contact@example.test',
        informProvider: true,
        receivedBy: 'test',
      });
      if (ackHours !== null) {
        await db.query(`UPDATE removal_orders SET page_acked_at = $2 WHERE notice_id = $1`, [
          notice.id,
          new Date(receivedAt.getTime() + ackHours * H),
        ]);
      }
    }
  });

  afterAll(() => app?.close());

  it('counts orders by Member State with their median times to acknowledge and to effect', async () => {
    const { body } = await http.get('/v1/reports/transparency').query({ year: 2003 }).expect(200);
    expect(body).toMatchObject({
      year: 2003,
      from: '2003-01-01T00:00:00.000Z',
      to: '2004-01-01T00:00:00.000Z',
    });
    const zero = { disputedAccepted: 0, invalid: 0, withdrawn: 0 };
    expect(body.orders).toEqual({
      rows: [
        {
          memberState: 'DE',
          category: 'terrorist_content',
          received: 3,
          executed: 2,
          notExecuted: zero,
          open: 1,
          medianSecondsToAcknowledge: 0.2 * 3600,
          medianSecondsToEffect: 3600,
        },
        {
          memberState: 'FR',
          category: 'terrorist_content',
          received: 1,
          executed: 0,
          notExecuted: { ...zero, withdrawn: 1 },
          open: 0,
          medianSecondsToAcknowledge: null,
          medianSecondsToEffect: null,
        },
      ],
      total: {
        memberState: null,
        category: null,
        received: 4,
        executed: 2,
        notExecuted: { ...zero, withdrawn: 1 },
        open: 1,
        medianSecondsToAcknowledge: 0.2 * 3600,
        medianSecondsToEffect: 3600,
      },
    });
  });

  it('counts Art. 16 notices by category and notifier kind, trusted flaggers and authorities apart, on law or terms', async () => {
    const { body } = await http.get('/v1/reports/transparency').query({ year: 2003 }).expect(200);
    const row = (category: string, notifierKind: string, counts: Partial<Record<string, number | null>>) => ({
      category,
      notifierKind,
      received: 0,
      actionedOnLaw: 0,
      actionedOnTerms: 0,
      notActioned: 0,
      open: 0,
      medianSecondsToAction: null,
      ...counts,
    });
    expect(body.notices).toEqual({
      rows: [
        row('csam', 'authority', { received: 1, actionedOnLaw: 1, medianSecondsToAction: 6 * 3600 }),
        row('csam', 'hotline', { received: 2, actionedOnLaw: 2, medianSecondsToAction: 16 * 3600 }),
        row('csam', 'trusted_flagger', { received: 1, actionedOnLaw: 1, medianSecondsToAction: 4 * 3600 }),
        row('phishing', 'other', {
          received: 3,
          actionedOnTerms: 1,
          notActioned: 1,
          open: 1,
          medianSecondsToAction: 10 * 3600,
        }),
      ],
      // Removals after 2, 4, 6, 10 and 30 hours.
      total: {
        ...row('', '', {
          received: 7,
          actionedOnLaw: 4,
          actionedOnTerms: 1,
          notActioned: 1,
          open: 1,
          medianSecondsToAction: 6 * 3600,
        }),
        category: null,
        notifierKind: null,
      },
      // The trusted flagger's notice, its designation not recorded (stored as before designations were).
      byDesignatingAuthority: [{ designatingAuthority: null, received: 1 }],
    });
    expect(body.ownInitiative).toEqual({
      rows: [
        row('spam', 'own_initiative', {
          received: 2,
          actionedOnTerms: 1,
          notActioned: 1,
          medianSecondsToAction: 3600,
        }),
      ],
      total: {
        ...row('', '', { received: 2, actionedOnTerms: 1, notActioned: 1, medianSecondsToAction: 3600 }),
        category: null,
        notifierKind: null,
      },
    });
  });

  it('counts appeals (the internal complaint handling) by what they contest, with outcomes and time to decision', async () => {
    const { body } = await http.get('/v1/reports/transparency').query({ year: 2003 }).expect(200);
    const zero = { received: 0, upheld: 0, reversed: 0, underReview: 0, refusedLate: 0 };
    expect(body.complaints).toEqual({
      rows: [
        { ...zero, kind: 'rejection', received: 1, underReview: 1, medianSecondsToDecision: null },
        { ...zero, kind: 'strike', received: 2, upheld: 1, reversed: 1, medianSecondsToDecision: 3 * 3600 },
      ],
      total: {
        kind: null,
        received: 3,
        upheld: 1,
        reversed: 1,
        underReview: 1,
        refusedLate: 0,
        medianSecondsToDecision: 3 * 3600,
      },
    });
    const csv = await http
      .get('/v1/reports/transparency')
      .query({ year: 2003, format: 'csv', section: 'complaints' })
      .expect(200);
    expect(csv.text).toBe(
      'kind,received,upheld,reversed,under_review,refused_late,median_seconds_to_decision\n' +
        'rejection,1,0,0,1,0,\nstrike,2,1,1,0,0,10800\n,3,1,1,1,0,10800\n',
    );
  });

  it('gives one section per CSV file, and a year without notices as zeros', async () => {
    const csv = await http
      .get('/v1/reports/transparency')
      .query({ year: 2003, format: 'csv', section: 'orders' })
      .expect(200)
      .expect('Content-Type', /text\/csv/)
      .expect('Content-Disposition', 'attachment; filename="transparency-2003-orders.csv"');
    expect(csv.text.trim().split('\n')).toEqual([
      'member_state,category,received,executed,not_executed_dispute_accepted,not_executed_invalid,not_executed_withdrawn,open,median_seconds_to_acknowledge,median_seconds_to_effect',
      'DE,terrorist_content,3,2,0,0,0,1,720,3600',
      'FR,terrorist_content,1,0,0,0,1,0,,',
      ',,4,2,0,0,1,1,720,3600',
    ]);
    const own = await http
      .get('/v1/reports/transparency')
      .query({ year: 2003, format: 'csv', section: 'own_initiative' })
      .expect(200);
    expect(own.text).toBe(
      'category,notifier_kind,received,actioned_on_law,actioned_on_terms,not_actioned,open,median_seconds_to_action\n' +
        'spam,own_initiative,2,0,1,1,0,3600\n,,2,0,1,1,0,3600\n',
    );
    const empty = await http.get('/v1/reports/transparency').query({ year: 2002 }).expect(200);
    expect(empty.body.orders).toEqual({
      rows: [],
      total: expect.objectContaining({ received: 0, medianSecondsToEffect: null }),
    });
    expect(empty.body.notices).toEqual({
      rows: [],
      total: expect.objectContaining({ received: 0, open: 0 }),
      byDesignatingAuthority: [],
    });
  });

  it('states the use of automated means (Art. 15(1)(e)): none, in words, with zeros counted from the year’s statements', async () => {
    // One statement of reasons made in 2003 that states no automated detection or decision.
    const hex = '0'.repeat(64);
    await db.query(
      `INSERT INTO report_snapshots (id, kind, subject_id, created_at, created_by, content_sha256, json, json_sha256,
                                     pdf, pdf_sha256, kid, jws)
       VALUES ($1, 'statement_of_reasons', $2, '2003-05-01T00:00:00Z', 'test', $3, $4, $3, '\\x00', $3, 'k', 'j')`,
      [randomUUID(), randomUUID(), hex, JSON.stringify({ automated: { detection: false, decision: false } })],
    );
    const { body } = await http.get('/v1/reports/transparency').query({ year: 2003 }).expect(200);
    expect(body.automatedMeans).toEqual({
      used: false,
      description: expect.stringMatching(
        /^No automated means are used to detect, identify or decide on content\./,
      ),
      purposes: [],
      accuracy: null,
      errorRate: null,
      safeguards: expect.stringContaining('statement of reasons'),
      statementsOfReasons: 1,
      withAutomatedDetection: 0,
      withAutomatedDecision: 0,
    });
    const csv = await http
      .get('/v1/reports/transparency')
      .query({ year: 2003, format: 'csv', section: 'automated_means' })
      .expect(200)
      .expect('Content-Disposition', 'attachment; filename="transparency-2003-automated_means.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('field,value');
    expect(lines).toEqual(
      expect.arrayContaining([
        'used,no',
        'purposes,',
        'accuracy,',
        'statements_of_reasons,1',
        'with_automated_detection,0',
        'with_automated_decision,0',
      ]),
    );
    expect(lines.find((l) => l.startsWith('description,'))).toMatch(/^description,"No automated means/);
  });

  it('names the field of a bad request', async () => {
    for (const [query, field] of [
      [{}, 'year'],
      [{ year: '2003.5' }, 'year'],
      [{ year: '1999' }, 'year'],
      [{ year: 2003, format: 'csv' }, 'section'],
      [{ year: 2003, format: 'csv', section: 'appeals' }, 'section'],
      [{ year: 2003, format: 'csv', section: 'complaint' }, 'section'],
    ] as const) {
      const res = await http.get('/v1/reports/transparency').query(query).expect(400);
      // The project's error shape: one `field`, or (from validation) `fields`, each naming one.
      const named = res.body.field
        ? [res.body.field]
        : res.body.fields.map((f: { field: string }) => f.field);
      expect(named).toEqual([field]);
    }
  });
});
