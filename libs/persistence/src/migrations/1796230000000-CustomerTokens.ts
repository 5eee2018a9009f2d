import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer's own API: `customer` tokens bound to one customer; the customer's admin contact (a token with
 * `customer_admin`) may make more of its own customer's tokens.
 */
export class CustomerTokens1796230000000 implements MigrationInterface {
  name = 'CustomerTokens1796230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check`);
    await q.query(`
      ALTER TABLE api_tokens
        ADD CONSTRAINT api_tokens_role_check CHECK (role IN
          ('admin', 'abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source', 'customer')),
        ADD COLUMN customer_id uuid REFERENCES customers (id) ON DELETE CASCADE,
        ADD COLUMN customer_admin boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT ck_api_tokens_customer CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
        ADD CONSTRAINT ck_api_tokens_customer_admin CHECK (NOT customer_admin OR role = 'customer')`);
    await q.query(
      `CREATE INDEX ix_api_tokens_customer ON api_tokens (customer_id) WHERE customer_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM api_tokens WHERE role = 'customer'`);
    await q.query(`
      ALTER TABLE api_tokens
        DROP CONSTRAINT ck_api_tokens_customer_admin,
        DROP CONSTRAINT ck_api_tokens_customer,
        DROP COLUMN customer_admin,
        DROP COLUMN customer_id,
        DROP CONSTRAINT api_tokens_role_check,
        ADD CONSTRAINT api_tokens_role_check CHECK (role IN
          ('admin', 'abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source'))`);
  }
}
