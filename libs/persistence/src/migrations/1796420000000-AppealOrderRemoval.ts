import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TCO Regulation Art. 10: a content provider may complain about a removal under a removal order even where it counted
 * nothing against its standing (removed in time): appeals of kind `order_removal`.
 */
export class AppealOrderRemoval1796420000000 implements MigrationInterface {
  name = 'AppealOrderRemoval1796420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE appeals DROP CONSTRAINT appeals_kind_check`);
    await q.query(
      `ALTER TABLE appeals ADD CONSTRAINT appeals_kind_check
         CHECK (kind IN ('strike', 'suspension', 'termination', 'rejection', 'order_removal'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE appeals DROP CONSTRAINT appeals_kind_check`);
    await q.query(
      `ALTER TABLE appeals ADD CONSTRAINT appeals_kind_check
         CHECK (kind IN ('strike', 'suspension', 'termination', 'rejection'))`,
    );
  }
}
