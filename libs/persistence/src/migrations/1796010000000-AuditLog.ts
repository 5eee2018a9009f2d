import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: one row per write, by whom (API token, OIDC user, signed link, CLI, workflow), from where, on
 * what. PostgreSQL itself keeps it append-only (a trigger refuses UPDATE, DELETE and TRUNCATE, for the owner too)
 * and chains every row to the one before by SHA-256, so that a row changed or removed behind the database's back
 * shows in `takedown audit verify`. The canonical text hashed here is documented in docs/audit.md and recomputed
 * independently in libs/persistence/src/audit-log.ts: the two must stay in step.
 */
export class AuditLog1796010000000 implements MigrationInterface {
  name = 'AuditLog1796010000000';

  async up(q: QueryRunner): Promise<void> {
    // `id` and `at` are given by the chain trigger under its lock, so that id order is chain order: a default
    // taken before the lock would let a slower writer get a smaller id than a row it chains after.
    await q.query(`
      CREATE TABLE audit_log (
        id bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor_kind text NOT NULL CHECK (actor_kind IN ('token', 'oidc', 'link', 'cli', 'workflow', 'system')),
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        role text,
        action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$'),
        target_type text,
        target_id text,
        request_id text,
        source_ip inet,
        summary jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(summary) = 'object'),
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT ck_audit_log_target CHECK ((target_type IS NULL) = (target_id IS NULL))
      )`);
    await q.query(`CREATE SEQUENCE audit_log_id_seq AS bigint OWNED BY audit_log.id`);
    await q.query(`CREATE INDEX ix_audit_log_target ON audit_log (target_id, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_log_actor ON audit_log (actor_id, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_log_action ON audit_log (action text_pattern_ops, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_log_at ON audit_log (at)`);

    // SECURITY DEFINER: an application role granted only SELECT and INSERT still advances the sequence.
    // READ COMMITTED only: there every statement in this function sees the rows committed before the lock was
    // taken; a REPEATABLE READ snapshot from before the lock would chain to a stale head and fork the chain.
    await q.query(`
      CREATE FUNCTION audit_log_chain() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        previous text;
        canonical text;
      BEGIN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit_log rows are appended in READ COMMITTED transactions only (this one is %)',
            current_setting('transaction_isolation');
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('takedown.audit_log'), 0);
        SELECT hash INTO previous FROM audit_log ORDER BY id DESC LIMIT 1;
        NEW.id := nextval('audit_log_id_seq');
        NEW.at := date_trunc('milliseconds', clock_timestamp());
        NEW.prev_hash := COALESCE(previous, repeat('0', 64));
        SELECT 'takedown-audit-v1' || string_agg(
                 E'\\n' || CASE WHEN f IS NULL THEN '-' ELSE octet_length(convert_to(f, 'UTF8')) || ':' || f END,
                 '' ORDER BY n)
          INTO canonical
          FROM unnest(ARRAY[
            NEW.id::text,
            to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            NEW.actor_kind, NEW.actor_id, NEW.actor_name, NEW.role, NEW.action, NEW.target_type, NEW.target_id,
            NEW.request_id, NEW.source_ip::text, NEW.summary::text, NEW.prev_hash
          ]) WITH ORDINALITY AS fields(f, n);
        NEW.hash := encode(sha256(convert_to(canonical, 'UTF8')), 'hex');
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_chain()`);

    // Statement triggers: an UPDATE or DELETE that matches no row is refused too, and TRUNCATE fires no row trigger.
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
    // A separate application role (see docs/audit.md) gets SELECT and INSERT only; nobody gets more by default.
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
    await q.query(`DROP FUNCTION audit_log_chain()`);
  }
}
