import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { insertRemovalOrder } from '@takedown/persistence';
import { authorizedHttp, type Http } from '../support/api';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

const H = 3_600_000;

/**
 * The yearly figures of the TCO Regulation (Art. 7(2)) over a fixed data set in 2004 (a year no other test writes
 * to), every figure counted by hand from the table below: orders, their outcomes and URLs, and the content
 * providers' complaints (appeals of an order's notice) with their outcomes.
 */
describe('GET /v1/reports/tco', () => {
  let app: INestApplication;
  let db: DataSource;
  let legal: Http;

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    legal = await authorizedHttp(app, 'legal');
    db = app.get(DataSource);
    const { ip } = await storeCustomer(db);
    const base = Date.parse('2004-06-01T00:00:00Z');

    const notice = async (receivedAt: Date, outcome: string | null, category = 'terrorist_content') => {
      const { notice: n } = await storeNotice(db, { category: category as 'csam', ip, receivedAt });
      const closedAt = outcome ? new Date(receivedAt.getTime() + H) : null;
      await db.query(
        `UPDATE notices SET source_kind = 'police', outcome = $2, closed_at = $3, removed_at = $4, state = $5
          WHERE id = $1`,
        [
          n.id,
          outcome,
          closedAt,
          outcome?.startsWith('removed') ? closedAt : null,
          outcome ? 'closed' : 'escalated',
        ],
      );
      return n.id;
    };
    const order = (noticeId: string, receivedAt: Date, urls: number, i: number) =>
      insertRemovalOrder(db, {
        id: randomUUID(),
        noticeId,
        authority: 'Test authority',
        memberState: 'DE',
        reference: `TCO-2004-${i}-${randomUUID()}`,
        issuedAt: receivedAt,
        receivedAt,
        urls: Array.from({ length: urls }, (_, k) => `https://example.test/${i}/${k}`),
        reasons: 'test',
        contactPoint: 'contact@example.test',
        informProvider: true,
        receivedBy: 'test',
      });
    const appeal = (noticeId: string, kind: string, status: string, filedAt: Date) =>
      db.query(
        `INSERT INTO appeals (id, kind, notice_id, appellant, reason, decided_by, decided_at, status, filed_at,
                              review_due_at, workflow_id)
         VALUES ($1, $2, $3, 'customer', 'test', 'desk-1', $4, $5, $4, $4, $6)`,
        [randomUUID(), kind, noticeId, filedAt, status, `appeal-tco-${randomUUID()}`],
      );

    // [outcome, URLs, complaint: [appeal kind, status]]
    const orders: [string | null, number, [string, string]?][] = [
      ['removed_in_time', 2, ['strike', 'reversed']],
      ['suspended', 1, ['suspension', 'upheld']],
      ['invalid', 1, ['rejection', 'under_review']], // the authority's appeal of a rejection: no complaint
      ['withdrawn_by_source', 4],
      ['disputed_accepted', 1],
      [null, 2],
      ['removed_late', 3, ['strike', 'under_review']],
    ];
    for (const [i, [outcome, urls, complaint]] of orders.entries()) {
      const at = new Date(base + i * H);
      const id = await notice(at, outcome);
      await order(id, at, urls, i);
      if (complaint) await appeal(id, complaint[0], complaint[1], new Date(at.getTime() + 2 * H));
    }
    // A late complaint about the last order, an appeal of a notice without an order, an order of the next year.
    const last = (await db.query(
      `SELECT notice_id FROM removal_orders WHERE reference LIKE 'TCO-2004-6-%'`,
    )) as { notice_id: string }[];
    await appeal(last[0].notice_id, 'strike', 'refused_late', new Date(base + 30 * 24 * H));
    const plain = await notice(new Date(base), 'removed_late', 'csam');
    await appeal(plain, 'strike', 'reversed', new Date(base + 3 * H));
    const nextYear = new Date('2005-01-01T00:00:00Z');
    await order(await notice(nextYear, 'removed_in_time'), nextYear, 5, 99);
  });

  afterAll(() => app?.close());

  const expected = {
    year: 2004,
    from: '2004-01-01T00:00:00.000Z',
    to: '2005-01-01T00:00:00.000Z',
    orders: {
      received: 7,
      executed: 3,
      itemsRemovedOrDisabled: 2 + 1 + 3,
      notExecuted: { disputedAccepted: 1, invalid: 1, withdrawn: 1, total: 3 },
      open: 1,
    },
    complaints: { received: 4, granted: 1, rejected: 1, underReview: 1, refusedLate: 1 },
    restorations: 1,
  };

  it('counts the orders, their outcomes, the complaints and the restorations of the year', async () => {
    const { body } = await legal.get('/v1/reports/tco').query({ year: 2004 }).expect(200);
    expect(body).toEqual(expected);
  });

  it('gives the same figures as CSV, one a line', async () => {
    const csv = await legal
      .get('/v1/reports/tco')
      .query({ year: 2004, format: 'csv' })
      .expect(200)
      .expect('Content-Type', /text\/csv/)
      .expect('Content-Disposition', 'attachment; filename="tco-2004.csv"');
    expect(csv.text).toBe(
      [
        'figure,count',
        'orders_received,7',
        'orders_executed,3',
        'items_removed_or_disabled,6',
        'orders_not_executed,3',
        'orders_not_executed_dispute_accepted,1',
        'orders_not_executed_invalid,1',
        'orders_not_executed_withdrawn,1',
        'orders_open,1',
        'complaints_received,4',
        'complaints_granted,1',
        'complaints_rejected,1',
        'complaints_under_review,1',
        'complaints_refused_late,1',
        'restorations,1',
        '',
      ].join('\n'),
    );
  });

  it('answers an empty year with zeros', async () => {
    const { body } = await legal.get('/v1/reports/tco').query({ year: 2002 }).expect(200);
    expect(body.orders.received).toBe(0);
    expect(body.complaints.received).toBe(0);
    expect(body.restorations).toBe(0);
  });

  it('is for legal and admins only, and names the field of a bad request', async () => {
    const desk = await authorizedHttp(app, 'abuse_desk');
    await desk.get('/v1/reports/tco').query({ year: 2004 }).expect(403);
    for (const query of [{}, { year: '2004.5' }, { year: '1999' }]) {
      const res = await legal.get('/v1/reports/tco').query(query).expect(400);
      const named = res.body.field
        ? [res.body.field]
        : res.body.fields.map((f: { field: string }) => f.field);
      expect(named).toEqual(['year']);
    }
    const bad = await legal.get('/v1/reports/tco').query({ year: 2004, format: 'xml' }).expect(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual(['format']);
  });
});
