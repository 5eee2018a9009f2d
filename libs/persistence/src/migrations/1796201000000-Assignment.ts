import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A notice or a task can be assigned to a person (`assigned_to`: the subject as the audit trail writes actors,
 * `token:<id>` or `oidc:<sub>`; `assigned_to_name`: the name it had then, for lists that do not look people up).
 * People are the API tokens of staff and the OIDC subjects the API has seen: `people_seen` keeps the latter, as
 * nothing else in the database knows an OIDC subject before it writes.
 */
export class Assignment1796201000000 implements MigrationInterface {
  name = 'Assignment1796201000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices ADD COLUMN assigned_to text, ADD COLUMN assigned_to_name text`);
    await q.query(
      `CREATE INDEX ix_notices_assigned_to ON notices (assigned_to) WHERE assigned_to IS NOT NULL`,
    );
    await q.query(`ALTER TABLE tasks ADD COLUMN assigned_to text, ADD COLUMN assigned_to_name text`);
    await q.query(`CREATE INDEX ix_tasks_assigned_to ON tasks (assigned_to) WHERE assigned_to IS NOT NULL`);
    await q.query(`
      CREATE TABLE people_seen (
        subject text PRIMARY KEY,
        name text NOT NULL,
        role text,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE people_seen`);
    await q.query(`DROP INDEX ix_tasks_assigned_to`);
    await q.query(`ALTER TABLE tasks DROP COLUMN assigned_to_name, DROP COLUMN assigned_to`);
    await q.query(`DROP INDEX ix_notices_assigned_to`);
    await q.query(`ALTER TABLE notices DROP COLUMN assigned_to_name, DROP COLUMN assigned_to`);
  }
}
