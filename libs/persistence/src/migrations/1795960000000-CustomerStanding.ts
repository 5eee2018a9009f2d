import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A customer's standing as its workflow last wrote it (so that lists and reports never ask Temporal), and every
 * event and change of level on an append-only timeline: evidence for a termination case.
 */
export class CustomerStanding1795960000000 implements MigrationInterface {
  name = 'CustomerStanding1795960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_standings (
        customer_id uuid PRIMARY KEY REFERENCES customers(id),
        level text NOT NULL
          CHECK (level IN ('good', 'watch', 'warning', 'final_warning', 'termination_case')),
        counts jsonb NOT NULL,
        event_count int NOT NULL CHECK (event_count >= 0),
        policy_id text NOT NULL,
        policy_version int NOT NULL,
        termination_case_id uuid,
        level_since timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_customer_standings_level ON customer_standings (level)`);
    await q.query(`
      CREATE TABLE customer_standing_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers(id),
        type text NOT NULL,
        actor text NOT NULL,
        reason text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        level text NOT NULL,
        previous_level text NOT NULL,
        occurred_at timestamptz NOT NULL,
        idempotency_key text NOT NULL CONSTRAINT uq_customer_standing_events_key UNIQUE
      )`);
    await q.query(
      `CREATE INDEX ix_customer_standing_events_customer ON customer_standing_events (customer_id, occurred_at)`,
    );
    await q.query(`
      CREATE FUNCTION customer_standing_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'customer_standing_events is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER customer_standing_events_append_only BEFORE UPDATE OR DELETE ON customer_standing_events
      FOR EACH ROW EXECUTE FUNCTION customer_standing_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_standing_events`);
    await q.query(`DROP FUNCTION customer_standing_events_append_only()`);
    await q.query(`DROP TABLE customer_standings`);
  }
}
