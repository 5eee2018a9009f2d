import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Preventive measures with evidence: the customer declares one (what it does, its evidence, since when), the desk
 * verifies or rejects it, and who did what is kept. Only a verified measure counts in the standing, which reads
 * this table: the one record of a customer's measures.
 */
export class MeasureEvidence1796233000000 implements MigrationInterface {
  name = 'MeasureEvidence1796233000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_preventive_measures
        ADD COLUMN evidence text CHECK (length(evidence) <= 5000),
        ADD COLUMN evidence_date date,
        ADD COLUMN declared_by text,
        ADD COLUMN verified_by text,
        ADD COLUMN rejected_at timestamptz,
        ADD COLUMN rejected_by text,
        ADD COLUMN rejection_reason text,
        ADD CONSTRAINT ck_customer_preventive_measures_one_verdict
          CHECK (verified_at IS NULL OR rejected_at IS NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_preventive_measures
        DROP CONSTRAINT ck_customer_preventive_measures_one_verdict,
        DROP COLUMN rejection_reason,
        DROP COLUMN rejected_by,
        DROP COLUMN rejected_at,
        DROP COLUMN verified_by,
        DROP COLUMN declared_by,
        DROP COLUMN evidence_date,
        DROP COLUMN evidence`);
  }
}
