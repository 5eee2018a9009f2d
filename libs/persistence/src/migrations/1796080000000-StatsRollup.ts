import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What a notice counts as in the transparency figures; a rollup row counts the notices of one day with one key. */
const KEY = `day, category, outcome, source_kind, within24, open48, bucket`;

/** The key of a notice row (`r` is NEW or OLD in the trigger, a table alias in the backfill). */
const keyOf = (
  r: string,
) => `(${r}.received_at AT TIME ZONE 'UTC')::date, ${r}.category, coalesce(${r}.outcome, ''),
  ${r}.source_kind, coalesce(${r}.removed_at <= ${r}.received_at + interval '24 hours', false),
  ${r}.closed_at IS NULL OR ${r}.closed_at > ${r}.received_at + interval '48 hours',
  coalesce(notice_removal_bucket(${r}.time_to_removal_seconds), -1)`;

/**
 * The transparency stats from a rollup instead of every notice of the period (issue #10: under 100 ms at 100,000
 * notices; a read of every notice grows with them and took 191 ms at p50 over 100,000 notices made by workflows).
 *
 * - `notice_stats_daily` counts notices per UTC day of receipt and key: category, outcome ('' while open), source
 *   kind, removed within 24 h, not closed within 48 h, and the bucket of the time to removal (-1: none). The
 *   buckets are an eighth of a doubling wide, so that a percentile is found in the histogram and then read exactly
 *   from the few notices of its bucket (`ix_notices_removal_bucket`).
 * - A trigger on notices appends each change of a notice's key to `notice_stats_delta` as -1 for the old key and
 *   +1 for the new: appends only, so writers never wait on each other or deadlock over a shared counter row. The
 *   API folds the deltas into the daily rows every few seconds (one at a time, under an advisory lock); a read sums
 *   both, so the figures are exact whether or not the fold has run.
 * - Partial days at the period's ends, and the day on which notices turn 48 h old, are counted from the notices.
 */
export class StatsRollup1796080000000 implements MigrationInterface {
  name = 'StatsRollup1796080000000';

  async up(q: QueryRunner): Promise<void> {
    // floor(8 · log2(s + 1)): monotonic in s, so the buckets in order hold the times to removal in order.
    await q.query(`
      CREATE FUNCTION notice_removal_bucket(seconds integer) RETURNS smallint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT floor(8 * ln(greatest(seconds, 0) + 1.0) / ln(2.0))::smallint $$`);
    for (const table of ['notice_stats_daily', 'notice_stats_delta']) {
      await q.query(`
        CREATE TABLE ${table} (
          day date NOT NULL,
          category text NOT NULL,
          outcome text NOT NULL,
          source_kind text NOT NULL,
          within24 boolean NOT NULL,
          open48 boolean NOT NULL,
          bucket smallint NOT NULL,
          n integer NOT NULL
          ${table === 'notice_stats_daily' ? `, PRIMARY KEY (${KEY})` : ''}
        )`);
    }
    await q.query(`
      CREATE FUNCTION notice_stats_track() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        old_key notice_stats_delta;
        new_key notice_stats_delta;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          old_key := ROW(${keyOf('OLD')}, -1);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          new_key := ROW(${keyOf('NEW')}, 1);
        END IF;
        IF TG_OP = 'UPDATE' AND (old_key.day, old_key.category, old_key.outcome, old_key.source_kind,
            old_key.within24, old_key.open48, old_key.bucket) IS NOT DISTINCT FROM (new_key.day, new_key.category,
            new_key.outcome, new_key.source_kind, new_key.within24, new_key.open48, new_key.bucket) THEN
          RETURN NULL;
        END IF;
        IF old_key.n IS NOT NULL THEN
          INSERT INTO notice_stats_delta SELECT old_key.*;
        END IF;
        IF new_key.n IS NOT NULL THEN
          INSERT INTO notice_stats_delta SELECT new_key.*;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER notices_stats_insert_delete AFTER INSERT OR DELETE ON notices
        FOR EACH ROW EXECUTE FUNCTION notice_stats_track()`);
    await q.query(`
      CREATE TRIGGER notices_stats_update
        AFTER UPDATE OF received_at, category, outcome, source_kind, removed_at, closed_at, time_to_removal_seconds
        ON notices FOR EACH ROW EXECUTE FUNCTION notice_stats_track()`);
    // The trigger holds notices against writes from here to the commit: the backfill misses none.
    await q.query(`
      INSERT INTO notice_stats_daily (${KEY}, n)
      SELECT ${keyOf('x')}, count(*)::int FROM notices x GROUP BY 1, 2, 3, 4, 5, 6, 7`);
    // The exact percentile within one bucket: its notices of the period, in order of their time to removal.
    await q.query(`
      CREATE INDEX ix_notices_removal_bucket
        ON notices (notice_removal_bucket(time_to_removal_seconds), received_at)
        INCLUDE (time_to_removal_seconds, customer_id) WHERE time_to_removal_seconds IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_removal_bucket`);
    await q.query(`DROP TRIGGER notices_stats_update ON notices`);
    await q.query(`DROP TRIGGER notices_stats_insert_delete ON notices`);
    await q.query(`DROP FUNCTION notice_stats_track()`);
    await q.query(`DROP TABLE notice_stats_delta`);
    await q.query(`DROP TABLE notice_stats_daily`);
    await q.query(`DROP FUNCTION notice_removal_bucket(integer)`);
  }
}
