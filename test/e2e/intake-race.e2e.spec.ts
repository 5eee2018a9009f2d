import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { NoticeEntity } from '@takedown/persistence';
import { startSystem, type RunningSystem } from '../support/api';
import { eventually } from '../support/eventually';

const report = (sourceReference: string, url: string, source = 'Race Hotline') => ({
  source: { kind: 'hotline', name: source, contact: 'reports@race-hotline.example' },
  sourceReference,
  category: 'phishing',
  urls: [url],
  ip: '198.51.100.77',
});

/**
 * Concurrent intake, with a barrier instead of timing: the test holds `notice_reports` in EXCLUSIVE mode (reads go
 * on, writes wait), sends every request, waits until all of them are blocked in the database after their look-up,
 * and only then lets them go. Every request has therefore read "nothing known yet" before any of them wrote: each
 * guard of the intake is the only thing between the race and a second notice.
 */
describe('concurrent intake (a barrier in the database)', () => {
  let system: RunningSystem;
  let barrier: Client;

  beforeAll(async () => {
    system = await startSystem();
    barrier = new Client({ connectionString: system.env.DATABASE_URL });
    await barrier.connect();
  });

  afterAll(async () => {
    await barrier?.end();
    await system?.stop();
  });

  /** Sends the requests while the barrier holds, waits until `blocked` of them wait on a lock, then releases them. */
  async function allAtOnce<T>(blocked: number, send: () => Promise<T>[]): Promise<T[]> {
    await barrier.query('BEGIN');
    await barrier.query('LOCK TABLE notice_reports IN EXCLUSIVE MODE');
    const pending = send();
    try {
      await eventually(
        async () => {
          // A transaction sees the activity view as of its first look unless told to look again.
          await barrier.query('SELECT pg_stat_clear_snapshot()');
          return Number(
            (
              await barrier.query(
                `SELECT count(*) AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
              )
            ).rows[0].n,
          );
        },
        (n) => n >= blocked,
      );
    } finally {
      await barrier.query('ROLLBACK');
    }
    return Promise.all(pending);
  }

  const notices = (where: Record<string, unknown>) =>
    system.app.get(DataSource).getRepository(NoticeEntity).findBy(where);

  it('the same source reference with different URLs at once is one notice: one 201, the others 200 with its id (the unique-key fallback)', async () => {
    const ref = `race-${randomUUID()}`;
    const urls = [1, 2, 3].map((n) => `https://race-${n}.example/${ref}`);
    const responses = await allAtOnce(3, () =>
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
    const responses = await allAtOnce(2, () =>
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
});
