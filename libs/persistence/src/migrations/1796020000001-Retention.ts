import type { MigrationInterface, QueryRunner } from 'typeorm';

const APPEND_ONLY = `
  CREATE OR REPLACE FUNCTION notice_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'notice_events is append-only';
  END $$`;

/**
 * Retention (docs/retention.md): when a closed notice or an unprocessable mail was anonymised. The timeline stays
 * append-only, with one exception: retention may reduce the free text (reason, data) of the steps of a notice that
 * it anonymised, in a transaction that says so (`SET LOCAL takedown.retention = 'on'`); what happened, when and by
 * whom never changes, and no row is removed. The trigger guards against mistakes, not against the table's owner.
 */
export class Retention1796020000001 implements MigrationInterface {
  name = 'Retention1796020000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices ADD COLUMN anonymised_at timestamptz`);
    await q.query(`ALTER TABLE raw_messages ADD COLUMN anonymised_at timestamptz`);
    // The daily run looks for closed notices not yet anonymised, oldest first.
    await q.query(
      `CREATE INDEX ix_notices_retention ON notices (closed_at, id) WHERE state = 'closed' AND anonymised_at IS NULL`,
    );
    await q.query(`
      CREATE OR REPLACE FUNCTION notice_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND current_setting('takedown.retention', true) = 'on'
           AND NEW.id = OLD.id AND NEW.notice_id = OLD.notice_id AND NEW.type = OLD.type AND NEW.actor = OLD.actor
           AND NEW.occurred_at = OLD.occurred_at AND NEW.idempotency_key = OLD.idempotency_key
           AND EXISTS (SELECT 1 FROM notices n WHERE n.id = OLD.notice_id AND n.anonymised_at IS NOT NULL) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'notice_events is append-only';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_ONLY);
    await q.query(`DROP INDEX ix_notices_retention`);
    await q.query(`ALTER TABLE raw_messages DROP COLUMN anonymised_at`);
    await q.query(`ALTER TABLE notices DROP COLUMN anonymised_at`);
  }
}
