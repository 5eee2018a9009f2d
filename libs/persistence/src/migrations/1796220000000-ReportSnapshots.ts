import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports as evidence: each termination report (and later statement of reasons) is stored once as a snapshot, its
 * JSON and its PDF side by side with the Ed25519 JWS that signs both, so that every download of one snapshot is the
 * same bytes. PostgreSQL keeps the table insert-only, for the owner too (a statement trigger refuses UPDATE, DELETE
 * and TRUNCATE, as on audit_log); snapshots hold no reported content (URLs only as host and hash), so retention
 * leaves them alone.
 */
export class ReportSnapshots1796220000000 implements MigrationInterface {
  name = 'ReportSnapshots1796220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_snapshots (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind ~ '^[a-z][a-z_]*$'),
        subject_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
        json text NOT NULL,
        json_sha256 text NOT NULL CHECK (json_sha256 ~ '^[0-9a-f]{64}$'),
        pdf bytea NOT NULL,
        pdf_sha256 text NOT NULL CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
        kid text NOT NULL,
        jws text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX ix_report_snapshots_subject ON report_snapshots (subject_id, kind, created_at DESC)`,
    );
    await q.query(`
      CREATE FUNCTION report_snapshots_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'report_snapshots is insert-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER report_snapshots_insert_only BEFORE UPDATE OR DELETE OR TRUNCATE ON report_snapshots
      FOR EACH STATEMENT EXECUTE FUNCTION report_snapshots_insert_only()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON report_snapshots FROM PUBLIC, takedown_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE report_snapshots`);
    await q.query(`DROP FUNCTION report_snapshots_insert_only()`);
  }
}
