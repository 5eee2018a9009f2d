import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed webhooks to customers: one endpoint and secret per customer, and one delivery row per event (new notice,
 * reminder, deadline passed), unique by the event's id so that an event is delivered once, with its attempts.
 */
export class CustomerWebhooks1796231000000 implements MigrationInterface {
  name = 'CustomerWebhooks1796231000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_webhooks (
        customer_id uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        url text NOT NULL CHECK (url ~ '^https?://'),
        secret text NOT NULL CHECK (length(secret) >= 32),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE customer_webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id text NOT NULL UNIQUE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        notice_id uuid NOT NULL,
        type text NOT NULL CHECK (type IN ('notice.created', 'notice.reminder', 'notice.deadline_passed')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_status int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        delivered_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX ix_customer_webhook_deliveries_customer ON customer_webhook_deliveries (customer_id, created_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_webhook_deliveries`);
    await q.query(`DROP TABLE customer_webhooks`);
  }
}
