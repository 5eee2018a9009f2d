import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which statements of reasons the Transparency Database accepted, and when: a statement listed here is never sent
 * again. Insert-only, like the statements themselves.
 */
export class StatementSubmissions1796220000002 implements MigrationInterface {
  name = 'StatementSubmissions1796220000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE statement_submissions (
        snapshot_id uuid PRIMARY KEY,
        puid text NOT NULL UNIQUE,
        batch_id uuid NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION statement_submissions_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'statement_submissions is insert-only: % is refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER statement_submissions_insert_only BEFORE UPDATE OR DELETE OR TRUNCATE ON statement_submissions
      FOR EACH STATEMENT EXECUTE FUNCTION statement_submissions_insert_only()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON statement_submissions FROM PUBLIC, takedown_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE statement_submissions`);
    await q.query(`DROP FUNCTION statement_submissions_insert_only()`);
  }
}
