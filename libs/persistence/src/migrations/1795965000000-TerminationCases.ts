import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Termination cases with their append-only timelines, and tasks that belong to a case instead of a notice (legal's
 * review, the NOC's decommissioning): the same tasks table, API and signed links serve both.
 */
export class TerminationCases1795965000000 implements MigrationInterface {
  name = 'TerminationCases1795965000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE termination_cases (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers(id),
        status text NOT NULL DEFAULT 'legal_review' CHECK (status IN
          ('legal_review', 'notice_period', 'decommissioning', 'terminated', 'rejected', 'withdrawn')),
        opened_by text NOT NULL,
        reason text NOT NULL,
        workflow_id text NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        effective_at timestamptz,
        closed_at timestamptz
      )`);
    // One running case per customer: a second finding joins the case that runs.
    await q.query(`
      CREATE UNIQUE INDEX uq_termination_cases_running ON termination_cases (customer_id)
      WHERE status IN ('legal_review', 'notice_period', 'decommissioning')`);
    await q.query(`
      CREATE TABLE termination_case_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES termination_cases(id),
        type text NOT NULL,
        actor text NOT NULL,
        reason text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL,
        idempotency_key text NOT NULL CONSTRAINT uq_termination_case_events_key UNIQUE
      )`);
    await q.query(
      `CREATE INDEX ix_termination_case_events_case ON termination_case_events (case_id, occurred_at)`,
    );
    await q.query(`
      CREATE FUNCTION termination_case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'termination_case_events is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER termination_case_events_append_only BEFORE UPDATE OR DELETE ON termination_case_events
      FOR EACH ROW EXECUTE FUNCTION termination_case_events_append_only()`);
    await q.query(`
      ALTER TABLE tasks
        ALTER COLUMN notice_id DROP NOT NULL,
        ADD COLUMN case_id uuid REFERENCES termination_cases(id),
        ADD CONSTRAINT ck_tasks_subject CHECK ((notice_id IS NULL) <> (case_id IS NULL)),
        DROP CONSTRAINT tasks_assignee_check,
        ADD CONSTRAINT tasks_assignee_check
          CHECK (assignee IN ('abuse_desk', 'abuse_lead', 'account_manager', 'noc', 'legal'))`);
    await q.query(`CREATE INDEX ix_tasks_case ON tasks (case_id, status) WHERE case_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM tasks WHERE case_id IS NOT NULL OR assignee = 'legal'`);
    await q.query(`
      ALTER TABLE tasks
        DROP CONSTRAINT tasks_assignee_check,
        ADD CONSTRAINT tasks_assignee_check
          CHECK (assignee IN ('abuse_desk', 'abuse_lead', 'account_manager', 'noc')),
        DROP CONSTRAINT ck_tasks_subject,
        DROP COLUMN case_id,
        ALTER COLUMN notice_id SET NOT NULL`);
    await q.query(`DROP TABLE termination_case_events`);
    await q.query(`DROP FUNCTION termination_case_events_append_only()`);
    await q.query(`DROP TABLE termination_cases`);
  }
}
