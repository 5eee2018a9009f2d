import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `takedown_app`, the role the API and worker log in through (a login role made a member of it, docs/operations.md),
 * with what they need and no more: reading and writing the tables, SELECT and INSERT only on the audit log, no DDL.
 * The migrations keep running as the owner, so that whoever holds the app's credentials cannot disable the audit
 * log's triggers, rewrite its rows or change the schema. Tables later migrations create get the same grants by
 * default. A role is the cluster's, not the database's: it is created once and left in place by `down`.
 */
export class AppRole1796140000000 implements MigrationInterface {
  name = 'AppRole1796140000000';

  async up(q: QueryRunner): Promise<void> {
    // Two databases of one cluster may migrate at once: the second to create the role finds it there.
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'takedown_app') THEN
          CREATE ROLE takedown_app NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    // Before PostgreSQL 15 every role may create tables in public.
    await q.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await q.query(`GRANT USAGE ON SCHEMA public TO takedown_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO takedown_app`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM takedown_app`);
    await q.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM takedown_app`);
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO takedown_app`);
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO takedown_app`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO takedown_app`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM takedown_app`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM takedown_app`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM takedown_app`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM takedown_app`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM takedown_app`);
  }
}
