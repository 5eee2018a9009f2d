import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * IP-based reports from feeds (`takedown import feed`): the reports of one address, category and customer within a
 * policy's aggregation window are one notice, `notice_aggregates` holding its window, occurrence count, first and
 * last seen and the sources; `feed_lines` the digest of every line taken, so that importing a feed again changes
 * nothing.
 */
export class FeedAggregates1796210000001 implements MigrationInterface {
  name = 'FeedAggregates1796210000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notice_aggregates (
        notice_id uuid PRIMARY KEY REFERENCES notices (id) ON DELETE CASCADE,
        source_kind text NOT NULL,
        source_name text NOT NULL,
        ip inet NOT NULL,
        category text NOT NULL,
        customer_id uuid,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        occurrences integer NOT NULL,
        sources text[] NOT NULL
      )`);
    await q.query(
      `CREATE INDEX ix_notice_aggregates_key ON notice_aggregates (ip, category, source_name, window_start)`,
    );
    await q.query(`
      CREATE TABLE feed_lines (
        digest text PRIMARY KEY,
        notice_id uuid NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE feed_lines`);
    await q.query(`DROP TABLE notice_aggregates`);
  }
}
