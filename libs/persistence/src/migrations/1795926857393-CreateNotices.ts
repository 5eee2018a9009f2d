import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotices1795926857393 implements MigrationInterface {
  name = 'CreateNotices1795926857393';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source_kind text NOT NULL,
        source_name text NOT NULL,
        source_reference text NOT NULL,
        category text NOT NULL,
        urls text[] NOT NULL,
        ip inet,
        observed_at timestamptz,
        received_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'received',
        outcome text,
        deadline timestamptz,
        policy_id text NOT NULL,
        policy_version int NOT NULL,
        workflow_id text NOT NULL,
        hashes jsonb NOT NULL DEFAULT '{}'::jsonb,
        description text,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_notices_source_reference UNIQUE (source_kind, source_name, source_reference)
      )`);
    await q.query(`CREATE INDEX ix_notices_state_deadline ON notices (state, deadline)`);
    await q.query(`
      CREATE TABLE notice_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        notice_id uuid NOT NULL REFERENCES notices(id),
        type text NOT NULL,
        actor text NOT NULL,
        reason text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at timestamptz NOT NULL,
        idempotency_key text NOT NULL UNIQUE
      )`);
    await q.query(`CREATE INDEX ix_notice_events_notice ON notice_events (notice_id, occurred_at)`);
    // The timeline is append-only: history that can be rewritten is no evidence.
    await q.query(`
      CREATE FUNCTION notice_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'notice_events is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER notice_events_no_change BEFORE UPDATE OR DELETE ON notice_events
      FOR EACH ROW EXECUTE FUNCTION notice_events_append_only()`);
    await q.query(`
      CREATE TABLE outbound_emails (
        idempotency_key text PRIMARY KEY,
        to_addresses text[] NOT NULL,
        subject text NOT NULL,
        message_id text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbound_emails`);
    await q.query(`DROP TABLE notice_events`);
    await q.query(`DROP FUNCTION notice_events_append_only()`);
    await q.query(`DROP TABLE notices`);
  }
}
