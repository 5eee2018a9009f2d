import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NoticeEntity } from '@takedown/persistence';
import { startSystem, type RunningSystem } from '../support/api';
import { allAtOnce } from '../support/db-barrier';

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
});
