import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notice life cycle: timer policies as versioned data (a notice keeps the version in force when it arrived),
 * attribution on the notice, every report that joined it, and the customer's time zone for deadlines in emails.
 * The seeded policies are frozen here as they were on the day; later versions are new rows.
 */
const DEFAULT_V1 = `{"csam":{"reminders":["PT6H","PT18H"],"deadline":"PT24H","suspendAfter":"PT4H"},"terrorist_content":{"reminders":["PT15M"],"deadline":"PT1H","suspendAfter":"PT0S"},"phishing":{"reminders":["PT24H"],"deadline":"PT48H"},"malware":{"reminders":["PT24H"],"deadline":"PT48H"},"spam":{"reminders":["PT72H"],"deadline":"P5D"},"copyright":{"reminders":["PT72H"],"deadline":"P5D"},"other":{"reminders":["PT72H"],"deadline":"P5D"}}`;
const DEMO_V1 = `{"csam":{"reminders":["PT6S","PT18S"],"deadline":"PT24S","suspendAfter":"PT4S"},"terrorist_content":{"reminders":["PT3S"],"deadline":"PT12S","suspendAfter":"PT0S"},"phishing":{"reminders":["PT24S"],"deadline":"PT48S"},"malware":{"reminders":["PT24S"],"deadline":"PT48S"},"spam":{"reminders":["PT30S"],"deadline":"PT60S"},"copyright":{"reminders":["PT30S"],"deadline":"PT60S"},"other":{"reminders":["PT30S"],"deadline":"PT60S"}}`;

export class NoticeLifecycle1795940000000 implements MigrationInterface {
  name = 'NoticeLifecycle1795940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policies (
        id text NOT NULL,
        version int NOT NULL CHECK (version > 0),
        categories jsonb NOT NULL,
        effective_from timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, version)
      )`);
    await q.query(
      `INSERT INTO policies (id, version, categories, effective_from) VALUES
         ('default', 1, $1::jsonb, '-infinity'), ('demo', 1, $2::jsonb, '-infinity')`,
      [DEFAULT_V1, DEMO_V1],
    );
    await q.query(
      `ALTER TABLE notices ALTER COLUMN policy_id DROP NOT NULL, ALTER COLUMN policy_version DROP NOT NULL`,
    );
    await q.query(`
      ALTER TABLE notices
        ADD COLUMN customer_id uuid REFERENCES customers(id),
        ADD COLUMN source_contact text,
        ADD COLUMN removed_at timestamptz,
        ADD COLUMN time_to_removal_seconds int`);
    await q.query(`CREATE INDEX ix_notices_customer ON notices (customer_id, state)`);
    // A second report of a URL joins the open notice for it: found through this index.
    await q.query(`CREATE INDEX ix_notices_open_urls ON notices USING gin (urls) WHERE state <> 'closed'`);
    await q.query(`ALTER TABLE customers ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Amsterdam'`);
    await q.query(`
      CREATE TABLE notice_reports (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        notice_id uuid NOT NULL REFERENCES notices(id),
        source_kind text NOT NULL,
        source_name text NOT NULL,
        source_reference text NOT NULL,
        source_contact text,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_notice_reports_source_reference UNIQUE (source_kind, source_name, source_reference)
      )`);
    await q.query(`CREATE INDEX ix_notice_reports_notice ON notice_reports (notice_id)`);
    await q.query(`
      INSERT INTO notice_reports (notice_id, source_kind, source_name, source_reference, received_at)
      SELECT id, source_kind, source_name, source_reference, received_at FROM notices`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notice_reports`);
    await q.query(`ALTER TABLE customers DROP COLUMN time_zone`);
    await q.query(`DROP INDEX ix_notices_open_urls`);
    await q.query(`DROP INDEX ix_notices_customer`);
    await q.query(
      `ALTER TABLE notices DROP COLUMN customer_id, DROP COLUMN source_contact, DROP COLUMN removed_at, DROP COLUMN time_to_removal_seconds`,
    );
    await q.query(`UPDATE notices SET policy_id = 'default', policy_version = 1 WHERE policy_id IS NULL`);
    await q.query(
      `ALTER TABLE notices ALTER COLUMN policy_id SET NOT NULL, ALTER COLUMN policy_version SET NOT NULL`,
    );
    await q.query(`DROP TABLE policies`);
  }
}
