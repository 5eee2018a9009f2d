import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for 100,000 notices and more (docs/scaling.md, `npm run bench:scale-queries`):
 * - the abuse desk's overdue list (`state <> 'closed' AND deadline < now()`) reads only open notices by deadline,
 *   instead of every row of (state, deadline) for each state that is not `closed`;
 * - the transparency stats and the default list select by `received_at`; the index carries the columns the stats
 *   count, so that they are answered from the index without visiting the table.
 */
export class ScaleIndexes1796030000000 implements MigrationInterface {
  name = 'ScaleIndexes1796030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_notices_open_deadline ON notices (deadline) WHERE state <> 'closed'`);
    await q.query(
      `CREATE INDEX ix_notices_received ON notices (received_at)
       INCLUDE (category, outcome, source_kind, customer_id, time_to_removal_seconds, removed_at, closed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_received`);
    await q.query(`DROP INDEX ix_notices_open_deadline`);
  }
}
