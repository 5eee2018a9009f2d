import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NoticeEntity, PgNoticeRepository } from '@takedown/persistence';
import type { CreateNoticeDto } from '@takedown/api/notices/notice.dto';
import { newNoticeRows } from '@takedown/api/notices/notice-rows';
import { startSystem, type RunningSystem } from '../support/api';
import { allAtOnce } from '../support/db-barrier';
import { eventually } from '../support/eventually';

const report = (sourceReference: string, url: string, source = 'Race Hotline') => ({
  source: { kind: 'hotline', name: source, contact: 'reports@race-hotline.example' },
  sourceReference,
  category: 'phishing',
  urls: [url],
  ip: '198.51.100.77',
});

/**
 * Concurrent intake behind a barrier on `notice_reports` (test/support/db-barrier.ts): every request has read
 * "nothing known yet" before any of them writes, so each guard of the intake is the only thing between the race and
 * a second notice.
 */
describe('concurrent intake (a barrier in the database)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(async () => {
    await system?.stop();
  });

  const notices = (where: Record<string, unknown>) =>
    system.app.get(DataSource).getRepository(NoticeEntity).findBy(where);

  it('the same source reference with different URLs at once is one notice: one 201, the others 200 with its id (the unique-key fallback)', async () => {
    const ref = `race-${randomUUID()}`;
    const urls = [1, 2, 3].map((n) => `https://race-${n}.example/${ref}`);
    const responses = await allAtOnce(system.env.DATABASE_URL, 'notice_reports', 3, () =>
      urls.map((url) =>
        system.http
          .post('/v1/notices')
          .send(report(ref, url))
          .then((r) => r),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(await notices({ sourceReference: ref })).toHaveLength(1);
  });

  it('one URL from two sources at once is one notice with both reports: one 201, one 200 (the per-URL lock)', async () => {
    const url = `https://race-shared.example/${randomUUID()}`;
    const refs = [`race-a-${randomUUID()}`, `race-b-${randomUUID()}`];
    const responses = await allAtOnce(system.env.DATABASE_URL, 'notice_reports', 2, () =>
      refs.map((ref, k) =>
        system.http
          .post('/v1/notices')
          .send(report(ref, url, `Race Hotline ${k}`))
          .then((r) => r),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(responses[0].body.id).toBe(responses[1].body.id);
    const stored = await system.app
      .get(DataSource)
      .query(`SELECT id FROM notices WHERE $1 = ANY(urls)`, [url]);
    expect(stored).toHaveLength(1);
    const seen = await system.http.get(`/v1/notices/${responses[0].body.id}`).expect(200);
    expect(seen.body.reports.map((r: { sourceReference: string }) => r.sourceReference).sort()).toEqual(
      [...refs].sort(),
    );
  });

  it('a batch: the same source reference with different URLs in two batches at once is one notice, created once and existing once', async () => {
    const ref = `race-batch-${randomUUID()}`;
    const urls = [1, 2].map((n) => `https://race-batch-${n}.example/${ref}`);
    const responses = await allAtOnce(system.env.DATABASE_URL, 'notice_reports', 2, () =>
      urls.map((url) =>
        system.http
          .post('/v1/notices/batch')
          .send([report(ref, url)])
          .then((r) => r),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const items = responses.map((r) => r.body.items[0] as { status: string; id: string });
    expect(items.map((i) => i.status).sort()).toEqual(['created', 'existing']);
    expect(items[0].id).toBe(items[1].id);
    expect(await notices({ sourceReference: ref })).toHaveLength(1);
  });

  it('a report that joins a notice whose workflow has not started yet (a batch between its commit and its starts, or a crash there) starts it', async () => {
    const db = system.app.get(DataSource);
    const url = `https://race-unstarted.example/${randomUUID()}`;
    // What a batch has committed and not started yet: the notice, `received`, and its report; no workflow.
    const rows = newNoticeRows(
      report(`race-unstarted-a-${randomUUID()}`, url, 'Race Hotline A') as CreateNoticeDto,
      {},
      new Date(),
    );
    const repo = new PgNoticeRepository(db);
    await repo.transaction(async (tx) => {
      await repo.insertNotice(tx, rows.notice);
      await repo.insertReport(tx, rows.report);
    });

    const joined = await system.http
      .post('/v1/notices')
      .send(report(`race-unstarted-b-${randomUUID()}`, url, 'Race Hotline B'));
    expect({ status: joined.status, id: joined.body.id }).toEqual({ status: 200, id: rows.notice.id });
    // Its workflow runs now: it takes the notice past `received`.
    await eventually(
      async () => (await db.getRepository(NoticeEntity).findOneByOrFail({ id: rows.notice.id })).state,
      (state) => state !== 'received',
    );
  });

  it('a batch: one URL from two sources in two batches at once is one notice with both reports (the per-URL lock)', async () => {
    const url = `https://race-batch-shared.example/${randomUUID()}`;
    const refs = [`race-batch-a-${randomUUID()}`, `race-batch-b-${randomUUID()}`];
    const responses = await allAtOnce(system.env.DATABASE_URL, 'notice_reports', 2, () =>
      refs.map((ref, k) =>
        system.http
          .post('/v1/notices/batch')
          .send([report(ref, url, `Race Hotline ${k}`)])
          .then((r) => r),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const items = responses.map((r) => r.body.items[0] as { status: string; id: string });
    // A report that joined another source's open notice is `created` too: that the URL was reported before, and by
    // whom, is not the sender's to learn (reportStatus).
    expect(items.map((i) => i.status)).toEqual(['created', 'created']);
    expect(items[0].id).toBe(items[1].id);
    const stored = await system.app
      .get(DataSource)
      .query(`SELECT id FROM notices WHERE $1 = ANY(urls)`, [url]);
    expect(stored).toHaveLength(1);
    const seen = await system.http.get(`/v1/notices/${items[0].id}`).expect(200);
    expect(seen.body.reports.map((r: { sourceReference: string }) => r.sourceReference).sort()).toEqual(
      [...refs].sort(),
    );
  });
});
