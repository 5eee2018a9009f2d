import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One appeal per decision and per appellant: an act_first reseller that missed its window has a strike of its own on
 * its end customer's notice, beside the end customer's, and each appeals its own.
 */
export class AppealPerCustomer1796450000000 implements MigrationInterface {
  name = 'AppealPerCustomer1796450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX uq_appeals_subject`);
    await q.query(`
      CREATE UNIQUE INDEX uq_appeals_subject ON appeals (kind, COALESCE(notice_id, case_id), customer_id)
      NULLS NOT DISTINCT WHERE status <> 'refused_late'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX uq_appeals_subject`);
    await q.query(`
      CREATE UNIQUE INDEX uq_appeals_subject ON appeals (kind, COALESCE(notice_id, case_id))
      WHERE status <> 'refused_late'`);
  }
}
