import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Appeals: a customer contests a strike, a suspension or a termination decision, a notifier the rejection of its
 * notice. Each appeal keeps who made the contested decision, so that the review can be refused to that person, and
 * who reviewed it. The periods are data, one row per policy profile (not a policy version: they do not change a
 * notice's clock).
 */
export class Appeals1796360000000 implements MigrationInterface {
  name = 'Appeals1796360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE appeal_settings (
        profile text PRIMARY KEY,
        appeal_period text NOT NULL CHECK (appeal_period ~ '^P'),
        review_period text NOT NULL CHECK (review_period ~ '^P'),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO appeal_settings (profile, appeal_period, review_period)
      VALUES ('default', 'P14D', 'P7D'), ('demo', 'PT10M', 'PT5M')`);
    await q.query(`
      CREATE TABLE appeals (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('strike', 'suspension', 'termination', 'rejection')),
        customer_id uuid REFERENCES customers(id),
        notice_id uuid REFERENCES notices(id),
        case_id uuid REFERENCES termination_cases(id),
        source_kind text,
        source_name text,
        appellant text NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 5000),
        decided_by text NOT NULL,
        decided_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'under_review'
          CHECK (status IN ('under_review', 'upheld', 'reversed', 'refused_late')),
        filed_at timestamptz NOT NULL DEFAULT now(),
        review_due_at timestamptz NOT NULL,
        reviewed_by text,
        review_reason text CHECK (length(review_reason) <= 5000),
        reviewed_at timestamptz,
        workflow_id text NOT NULL,
        CONSTRAINT ck_appeals_subject CHECK (
          (kind = 'termination' AND case_id IS NOT NULL) OR (kind <> 'termination' AND notice_id IS NOT NULL))
      )`);
    // One appeal per decision: a second one on the same subject is the first.
    await q.query(`
      CREATE UNIQUE INDEX uq_appeals_subject ON appeals (kind, COALESCE(notice_id, case_id))
      WHERE status <> 'refused_late'`);
    await q.query(`CREATE INDEX ix_appeals_customer ON appeals (customer_id, filed_at)`);
    await q.query(`CREATE INDEX ix_appeals_status ON appeals (status, review_due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE appeals`);
    await q.query(`DROP TABLE appeal_settings`);
  }
}
