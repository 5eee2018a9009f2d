import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit chain's signed heads, as the audit-head schedule takes them (docs/audit.md): kept here to be exported
 * (`GET /v1/audit/heads`, `takedown audit heads`), and insert-only like the chain. They pin the chain only once
 * copied out of PostgreSQL: whoever owns the database could remove both a tail and its heads, but not the copies.
 */
export class AuditHeads1796220000001 implements MigrationInterface {
  name = 'AuditHeads1796220000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_heads (
        audit_id bigint PRIMARY KEY,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        -- The signing time exactly as the MAC covers it (ISO 8601 text).
        at text NOT NULL,
        mac text NOT NULL CHECK (mac ~ '^[0-9a-f]{64}$'),
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION audit_heads_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_heads is insert-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_heads_insert_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_heads
      FOR EACH STATEMENT EXECUTE FUNCTION audit_heads_insert_only()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_heads FROM PUBLIC, takedown_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_heads`);
    await q.query(`DROP FUNCTION audit_heads_insert_only()`);
  }
}
