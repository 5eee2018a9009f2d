import { randomUUID } from 'node:crypto';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '@takedown/api/app-config';
import { createApp } from '@takedown/api/create-app';
import { insertRemovalOrder } from '@takedown/persistence';
import type { StatementOfReasons } from '@takedown/reports';
import { StatementsService } from '@takedown/worker/statements.service';
import { WorkerModule } from '@takedown/worker/worker.module';
import { authorizedHttp, type Http } from '../support/api';
import { storeCustomer } from '../support/customers';
import { testEnv } from '../support/env';
import { storeNotice } from '../support/notices';

/**
 * DSA Art. 22: a trusted flagger's notices are counted per designating authority in the Art. 15 report (over a fixed
 * data set in 2006, a year no other test writes to), and a suspension's statement of reasons names the authority.
 */
describe('trusted flaggers’ designations in the Art. 15 report and the statement of reasons', () => {
  const env = testEnv();
  let app: INestApplication;
  let worker: INestApplicationContext;
  let db: DataSource;
  let http: Http;
  let customerId: string;

  /** A notice of the source, its first report recording the designation (or none). */
  const store = async (
    kind: string,
    designatingAuthority: string | null,
    receivedAt = new Date('2006-05-01T10:00:00Z'),
  ) => {
    const { notice } = await storeNotice(db, { category: 'phishing', receivedAt });
    await db.query(`UPDATE notices SET source_kind = $2, source_name = $3, customer_id = $4 WHERE id = $1`, [
      notice.id,
      kind,
      `Flagger ${randomUUID()}`,
      customerId,
    ]);
    await db.query(
      `UPDATE notice_reports r SET source_kind = n.source_kind, source_name = n.source_name,
              designation_reference = $2, designating_authority = $3
         FROM notices n WHERE n.id = r.notice_id AND n.id = $1`,
      [notice.id, designatingAuthority && `TF-${randomUUID()}`, designatingAuthority],
    );
    return notice.id;
  };

  beforeAll(async () => {
    app = await createApp(new AppConfig(env));
    await app.init();
    http = await authorizedHttp(app, 'legal');
    db = app.get(DataSource);
    worker = await NestFactory.createApplicationContext(WorkerModule.forEnv(env), { logger: false });
    customerId = (await storeCustomer(db, { language: 'en' })).customer.id;
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await app?.close();
  });

  it('counts the year’s trusted flaggers’ notices per designating authority, in JSON and CSV', async () => {
    // By hand: ACM (NL) 3, "Coimisiún na Meán, IE" 1, not recorded 1; a hotline's, another year's and a removal
    // order's notices are not counted.
    for (const authority of ['ACM (NL)', 'ACM (NL)', 'Coimisiún na Meán, IE', 'ACM (NL)', null])
      await store('trusted_flagger', authority);
    await store('hotline', null);
    await store('trusted_flagger', 'ACM (NL)', new Date('2007-01-01T00:00:00Z'));
    const ordered = await store('trusted_flagger', 'ACM (NL)');
    await insertRemovalOrder(db, {
      id: randomUUID(),
      noticeId: ordered,
      authority: 'Test authority',
      memberState: 'NL',
      reference: `TF-2006-${randomUUID()}`,
      issuedAt: new Date('2006-05-01T09:00:00Z'),
      receivedAt: new Date('2006-05-01T10:00:00Z'),
      urls: ['https://example.test/x'],
      reasons: 'test',
      contactPoint: 'contact@example.test',
      informProvider: true,
      receivedBy: 'test',
    });

    const { body } = await http.get('/v1/reports/transparency').query({ year: 2006 }).expect(200);
    expect(body.notices.byDesignatingAuthority).toEqual([
      { designatingAuthority: 'ACM (NL)', received: 3 },
      { designatingAuthority: 'Coimisiún na Meán, IE', received: 1 },
      { designatingAuthority: null, received: 1 },
    ]);
    const trusted = body.notices.rows.find(
      (r: { notifierKind: string }) => r.notifierKind === 'trusted_flagger',
    );
    expect(trusted.received).toBe(5);

    const csv = await http
      .get('/v1/reports/transparency')
      .query({ year: 2006, format: 'csv', section: 'trusted_flaggers' })
      .expect(200)
      .expect('Content-Type', /text\/csv/);
    expect(csv.text).toBe(
      [
        'designating_authority,received',
        'ACM (NL),3',
        '"Coimisiún na Meán, IE",1',
        'not_recorded,1',
        ',5',
        '',
      ].join('\n'),
    );
  });

  it('names the designating authority in the facts and source of a suspension’s statement of reasons', async () => {
    const id = await store('trusted_flagger', 'ACM (NL)', new Date());
    const snapshot = await worker.get(StatementsService).ensureForSuspension({ noticeId: id });
    const [row] = (await db.query(`SELECT json FROM report_snapshots WHERE id = $1`, [snapshot.id])) as {
      json: string;
    }[];
    const statement = JSON.parse(row.json) as StatementOfReasons;
    expect(statement.source).toEqual({
      type: 'notice',
      notifierKinds: ['trusted_flagger'],
      designatingAuthorities: ['ACM (NL)'],
    });
    expect(statement.facts).toContain('designated under Art. 22 of the Digital Services Act by ACM (NL)');
  });
});
