import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repeat offences (issue 22): `repeat_of` links a notice to the earlier closed notice of the same customer about the
 * same URL or hash. Version 5 of the built-in timer policies is version 4 with `repeatWeight` 2 for CSAM and
 * terrorist content (a repeat counts twice as content back in the standing; other categories once, the default);
 * added, never changed, so notices received before keep the version they pinned.
 */
export class RepeatOffences1796280000001 implements MigrationInterface {
  name = 'RepeatOffences1796280000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices ADD COLUMN repeat_of uuid REFERENCES notices (id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX ix_notices_repeat_of ON notices (repeat_of) WHERE repeat_of IS NOT NULL`);
    await q.query(
      `INSERT INTO policies (id, version, categories, effective_from, created_by)
       SELECT id, 5,
              jsonb_set(jsonb_set(categories, '{csam,repeatWeight}', '2'), '{terrorist_content,repeatWeight}', '2'),
              now(), 'system:migration'
         FROM policies WHERE id IN ('default', 'demo') AND version = 4`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Notices pinned to version 5 fall back to version 4: the same timers, repeats counted once.
    await q.query(
      `UPDATE notices SET policy_version = 4 WHERE policy_id IN ('default', 'demo') AND policy_version = 5`,
    );
    await q.query(`DELETE FROM policies WHERE id IN ('default', 'demo') AND version = 5`);
    await q.query(`DROP INDEX ix_notices_repeat_of`);
    await q.query(`ALTER TABLE notices DROP COLUMN repeat_of`);
  }
}
