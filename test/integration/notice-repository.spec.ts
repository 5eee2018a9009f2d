import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions, PgNoticeRepository } from '@takedown/persistence';
import { testEnv } from '../support/env';

/**
 * PgNoticeRepository on real PostgreSQL: the SQL the API's and the worker's notice services moved into it, and the
 * rules a source's reads depend on (its own reports' URLs, its own name as a filter).
 */
describe('PgNoticeRepository', () => {
  let db: DataSource;
  let notices: PgNoticeRepository;
  const tag = randomUUID();
  const a = { kind: 'hotline', name: `Repo A ${tag}` };
  const b = { kind: 'police', name: `Repo B ${tag}` };
  const u1 = `https://repo.example/${tag}/one`;
  const u2 = `https://repo.example/${tag}/hidden-two`;
  let id: string;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testEnv().DATABASE_URL, { logging: false })).initialize();
    notices = new PgNoticeRepository(db);
    id = randomUUID();
    await notices.transaction(async (tx) => {
      await notices.insertNotice(tx, {
        id,
        workflowId: `notice-${id}`,
        sourceKind: 'hotline',
        sourceName: a.name,
        sourceReference: `a-${tag}`,
        category: 'phishing',
        urls: [u1, u2],
        receivedAt: new Date(Date.now() - 3_600_000),
        hashes: {},
        state: 'customer_notified',
      });
      await notices.insertReport(tx, {
        noticeId: id,
        sourceKind: 'hotline',
        sourceName: a.name,
        sourceReference: `a-${tag}`,
        receivedAt: new Date(),
        urlPositions: [1, 2],
      });
      await notices.insertReport(tx, {
        noticeId: id,
        sourceKind: 'police',
        sourceName: b.name,
        sourceReference: `b-${tag}`,
        receivedAt: new Date(),
        urlPositions: [1],
      });
    });
  });
  afterAll(async () => {
    // The suites of one run share the database: a list elsewhere must not find this notice.
    await db?.query(`DELETE FROM notice_reports WHERE notice_id = $1`, [id]);
    await db?.query(`DELETE FROM notices WHERE id = $1`, [id]);
    await db?.destroy();
  });

  it('finds a known report, else the open notice of one of the URLs with its URLs, else nothing', async () => {
    await notices.transaction(async (tx) => {
      await notices.lockUrls(tx, [u1]);
      const key = { sourceKind: 'hotline', sourceName: a.name };
      expect(await notices.intakeMatch(tx, { ...key, sourceReference: `a-${tag}` }, [u1])).toEqual({
        known: id,
        open: null,
      });
      expect(await notices.intakeMatch(tx, { ...key, sourceReference: `new-${tag}` }, [u2])).toEqual({
        known: null,
        open: {
          id,
          urls: [u1, u2],
          state: 'customer_notified',
          category: 'phishing',
          receivedAt: expect.any(Date),
        },
      });
      expect(
        await notices.intakeMatch(tx, { ...key, sourceReference: `new-${tag}` }, [`https://other/${tag}`]),
      ).toEqual({ known: null, open: null });
    });
  });

  it('locks the row and sets the time to removal from removed_at, never negative', async () => {
    await notices.transaction(async (tx) => {
      expect(await notices.lockNotice(tx, id)).toEqual({
        state: 'customer_notified',
        outcome: null,
        assignedTo: null,
      });
      await tx.query(`UPDATE notices SET removed_at = received_at + interval '90 minutes' WHERE id = $1`, [
        id,
      ]);
      await notices.recordTimeToRemoval(tx, id);
      const [row] = (await tx.query(`SELECT time_to_removal_seconds AS s FROM notices WHERE id = $1`, [
        id,
      ])) as {
        s: number;
      }[];
      expect(row.s).toBe(5400);
      await tx.query(`UPDATE notices SET removed_at = received_at - interval '1 minute' WHERE id = $1`, [id]);
      await notices.recordTimeToRemoval(tx, id);
      const [early] = (await tx.query(`SELECT time_to_removal_seconds AS s FROM notices WHERE id = $1`, [
        id,
      ])) as {
        s: number;
      }[];
      expect(early.s).toBe(0);
    });
    expect(await notices.lockNotice(db.manager, randomUUID())).toBeNull();
  });

  it('lets a source find a notice by its own URLs and name only', async () => {
    const asB = { all: false as const, source: b };
    const ids = async (filter: { q?: string; source?: string }) =>
      (await notices.page({ ...filter, limit: 10, offset: 0 }, asB, ['source'])).rows.map((n) => n.id);
    expect(await ids({})).toEqual([id]);
    expect(await ids({ q: `${tag}/one` })).toEqual([id]);
    expect(await ids({ q: 'hidden-two' })).toEqual([]);
    expect(await ids({ source: a.name })).toEqual([]);
    expect(await ids({ source: b.name })).toEqual([id]);
    // The desk finds it by any of its URLs and by its first reporter.
    const desk = async (filter: { q?: string; source?: string }) =>
      (await notices.page({ ...filter, limit: 10, offset: 0 }, { all: true }, ['abuse_desk'])).rows.map(
        (n) => n.id,
      );
    expect(await desk({ q: `${tag}/hidden-two` })).toEqual([id]);
    expect(await desk({ source: a.name })).toEqual([id]);
    expect((await notices.reportsBy([id], b)).map((r) => r.urlPositions)).toEqual([[1]]);
  });
});
