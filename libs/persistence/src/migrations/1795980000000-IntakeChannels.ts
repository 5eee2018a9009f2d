import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake by X-ARF, ARF and plain mail: the reporter's own type when it maps to no category of ours, the text of a
 * plain email the desk triages, mail that could not be made into a notice, kept with the reason (never lost), and
 * the feedback callbacks sent to sources' webhooks.
 */
export class IntakeChannels1795980000000 implements MigrationInterface {
  name = 'IntakeChannels1795980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices ADD COLUMN reported_type text, ADD COLUMN original_text text`);
    // Attachments are not kept (they may be the reported material): only their type, size and SHA-256, in `text`.
    await q.query(`
      CREATE TABLE raw_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        received_at timestamptz NOT NULL DEFAULT now(),
        channel text NOT NULL CHECK (channel IN ('smtp', 'pipe')),
        sender text,
        message_id text,
        size_bytes int NOT NULL CHECK (size_bytes >= 0),
        headers text NOT NULL,
        text text NOT NULL,
        error text NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_raw_messages_received ON raw_messages (received_at DESC)`);
    // Triage notices have no workflow: the desk's queue, and the join of later reports, must not count them as open.
    await q.query(
      `CREATE INDEX ix_notices_needs_triage ON notices (received_at) WHERE state = 'needs_triage'`,
    );
    // Feedback callbacks to sources' webhooks, recorded once answered, so that a retried activity does not call twice.
    await q.query(`
      CREATE TABLE outbound_webhooks (
        idempotency_key text PRIMARY KEY,
        url text NOT NULL,
        status int NOT NULL,
        delivered_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbound_webhooks`);
    await q.query(`DROP INDEX ix_notices_needs_triage`);
    await q.query(`DROP TABLE raw_messages`);
    await q.query(`ALTER TABLE notices DROP COLUMN original_text, DROP COLUMN reported_type`);
  }
}
