import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tasks a notice hands to people (the desk, its lead, account managers, the NOC), and the uses of signed links:
 * a link's random id as primary key is what makes it single-use, even under concurrent clicks.
 */
export class CreateTasksAndLinks1795950000000 implements MigrationInterface {
  name = 'CreateTasksAndLinks1795950000000';

  async up(q: QueryRunner): Promise<void> {
    // `kind` is not checked here: the kinds and their outcomes live in TASK_OUTCOMES (libs/domain) and grow with
    // new workflows; the roles and the life cycle are fixed.
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notice_id uuid NOT NULL REFERENCES notices(id),
        kind text NOT NULL,
        assignee text NOT NULL CHECK (assignee IN ('abuse_desk', 'abuse_lead', 'account_manager', 'noc')),
        assignee_email text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'cancelled')),
        outcome text,
        summary text NOT NULL,
        due_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        completed_by text,
        note text,
        idempotency_key text NOT NULL CONSTRAINT uq_tasks_idempotency_key UNIQUE,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT ck_tasks_outcome CHECK ((status = 'completed') = (outcome IS NOT NULL)),
        CONSTRAINT ck_tasks_closed CHECK ((status = 'open') = (completed_at IS NULL))
      )`);
    // GET /v1/tasks?assignee=&status= sorted by due_at, by role or by person; the notice's own tasks.
    await q.query(`CREATE INDEX ix_tasks_assignee_status_due ON tasks (assignee, status, due_at)`);
    await q.query(
      `CREATE INDEX ix_tasks_assignee_email_status_due ON tasks (assignee_email, status, due_at)`,
    );
    await q.query(`CREATE INDEX ix_tasks_status_due ON tasks (status, due_at)`);
    await q.query(`CREATE INDEX ix_tasks_notice ON tasks (notice_id, status)`);
    await q.query(`
      CREATE TABLE link_uses (
        jti text PRIMARY KEY,
        used_at timestamptz NOT NULL DEFAULT now(),
        target text NOT NULL,
        action text NOT NULL,
        remote_addr inet
      )`);
    await q.query(`CREATE INDEX ix_link_uses_target ON link_uses (target)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE link_uses`);
    await q.query(`DROP TABLE tasks`);
  }
}
