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

/** DSA transparency figures counted in PostgreSQL, for everyone and for one customer, as JSON and CSV. */
describe('GET /v1/stats/transparency', () => {
  let app: INestApplication;
  let db: DataSource;
  let http: Http;
  let customerId: string;
  const from = '2021-03-01T00:00:00.000Z';
  const to = '2021-04-01T00:00:00.000Z';

  beforeAll(async () => {
    app = await createApp(new AppConfig(testEnv()));
    await app.init();
    http = await authorizedHttp(app);
    db = app.get(DataSource);
    const { customer, ip } = await storeCustomer(db);
    customerId = customer.id;
    const base = Date.parse('2021-03-10T00:00:00Z');
    // [category, source kind, hours to removal (null: never), outcome]
    const rows: [string, string, number | null, string | null][] = [
      ['csam', 'hotline', 2, 'removed_in_time'],
      ['csam', 'hotline', 30, 'removed_late'],
      ['phishing', 'public', 10, 'removed_in_time'],
      ['phishing', 'public', null, 'suspended'],
      ['spam', 'public', null, null],
    ];
    for (const [i, [category, kind, hours, outcome]] of rows.entries()) {
      const receivedAt = new Date(base + i * H);
      const { notice } = await storeNotice(db, { category: category as 'csam', ip, receivedAt });
      const removedAt = hours === null ? null : new Date(receivedAt.getTime() + hours * H);
      const closedAt = outcome === null ? null : (removedAt ?? new Date(receivedAt.getTime() + 50 * H));
      await db.query(
        `UPDATE notices SET customer_id = $2, source_kind = $3, outcome = $4, removed_at = $5, closed_at = $6,
           time_to_removal_seconds = $7, state = $8 WHERE id = $1`,
        [
          notice.id,
          customerId,
          kind,
          outcome,
          removedAt,
          closedAt,
          hours === null ? null : hours * 3600,
          outcome ? 'closed' : 'escalated',
        ],
      );
    }
  });

  afterAll(() => app?.close());

  it('counts by category and notifier kind, actions, time to removal, the 24 h and 48 h shares, suspensions', async () => {
    const res = await http
      .get('/v1/stats/transparency')
      .query({ from, to, customer: customerId })
      .expect(200);
    expect(res.body).toEqual({
      from,
      to,
      customerId,
      notices: 5,
      byCategory: { csam: 2, phishing: 2, spam: 1 },
      byNotifierKind: {
        authority_order: 0,
        authority: 0,
        trusted_flagger: 0,
        hotline: 2,
        other: 3,
        own_initiative: 0,
      },
      byOutcome: { open: 1, removed_in_time: 2, removed_late: 1, suspended: 1 },
      medianTimeToRemovalSeconds: 10 * 3600,
      p90TimeToRemovalSeconds: Math.round((10 + 0.8 * 20) * 3600),
      percentRemovedWithin24h: 40,
      percentOpenAfter48h: 40,
      suspensions: 1,
      terminations: 0,
    });
  });

  it('answers in CSV for spreadsheets', async () => {
    const res = await http
      .get('/v1/stats/transparency')
      .query({ from, to, customer: customerId, format: 'csv' })
      .expect(200)
      .expect('content-type', /text\/csv/);
    expect(res.text.split('\n')).toEqual(
      expect.arrayContaining([
        'figure,key,value',
        'notices,total,5',
        'notices_by_category,csam,2',
        'percent,removed_within_24h,40',
      ]),
    );
  });

  it('counts removal orders, the authorities’ other notices, trusted flaggers, hotlines, the public and own initiative apart', async () => {
    const { ip } = await storeCustomer(db);
    const base = Date.parse('2021-05-10T00:00:00Z');
    // [source kind, carries a removal order]: one notice each, in a month of its own.
    const rows: [string, boolean][] = [
      ['police', true],
      ['police', true],
      ['police', false],
      ['trusted_flagger', false],
      ['hotline', false],
      ['public', false],
      ['provider', false],
      ['internal', false],
    ];
    for (const [i, [kind, order]] of rows.entries()) {
      const receivedAt = new Date(base + i * H);
      const { notice } = await storeNotice(db, { category: 'terrorist_content', ip, receivedAt });
      await db.query(`UPDATE notices SET source_kind = $2 WHERE id = $1`, [notice.id, kind]);
      if (order) {
        await insertRemovalOrder(db, {
          id: randomUUID(),
          noticeId: notice.id,
          authority: 'Test authority',
          memberState: 'NL',
          reference: `STATS-${randomUUID()}`,
          issuedAt: receivedAt,
          receivedAt,
          urls: ['https://example.test/x'],
          reasons: 'test',
          contactPoint: 'contact@example.test',
          informProvider: true,
          receivedBy: 'test',
        });
      }
    }
    const res = await http
      .get('/v1/stats/transparency')
      .query({ from: '2021-05-01T00:00:00Z', to: '2021-06-01T00:00:00Z' })
      .expect(200);
    expect(res.body.notices).toBe(8);
    expect(res.body.byNotifierKind).toEqual({
      authority_order: 2,
      authority: 1,
      trusted_flagger: 1,
      hotline: 1,
      other: 2,
      own_initiative: 1,
    });
    const csv = await http
      .get('/v1/stats/transparency')
      .query({ from: '2021-05-01T00:00:00Z', to: '2021-06-01T00:00:00Z', format: 'csv' })
      .expect(200);
    expect(csv.text.split('\n')).toEqual(
      expect.arrayContaining([
        'notices_by_notifier_kind,authority_order,2',
        'notices_by_notifier_kind,authority,1',
        'notices_by_notifier_kind,trusted_flagger,1',
      ]),
    );
  });

  it('refuses a period that ends before it starts', async () => {
    await http.get('/v1/stats/transparency').query({ from: to, to: from }).expect(400);
    await http.get('/v1/stats/transparency').query({ from: 'yesterday', to }).expect(400);
  });
});
