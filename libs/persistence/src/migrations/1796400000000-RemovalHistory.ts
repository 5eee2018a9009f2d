import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queue's breach forecast reads the median time to removal of the latest removals (at most 50 of the last 90
 * days) of each customer and category on a page, and of each category across customers. These partial indexes hold
 * exactly the removals (a row with its time to removal), newest first, with the time itself, so each median is a
 * short index-only read whatever the number of notices.
 */
export class RemovalHistory1796400000000 implements MigrationInterface {
  name = 'RemovalHistory1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_notices_removals_customer ON notices (category, customer_id, closed_at DESC)
         INCLUDE (time_to_removal_seconds) WHERE time_to_removal_seconds IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ix_notices_removals_category ON notices (category, closed_at DESC)
         INCLUDE (time_to_removal_seconds) WHERE time_to_removal_seconds IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_removals_category`);
    await q.query(`DROP INDEX ix_notices_removals_customer`);
  }
}
