import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TCO Regulation Art. 11: once content is removed under a removal order, the content provider (the customer) is told,
 * unless the authority's order says not to. An order is due that from its insert; the orders from before this
 * migration are not (they were dealt with by hand). `provider_informed` says what became of it: `sent` or `withheld`
 * at the authority's request.
 */
export class OrderProviderInformation1796380000001 implements MigrationInterface {
  name = 'OrderProviderInformation1796380000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE removal_orders ADD COLUMN provider_information_due boolean NOT NULL DEFAULT false`,
    );
    await q.query(`ALTER TABLE removal_orders ALTER COLUMN provider_information_due SET DEFAULT true`);
    await q.query(`ALTER TABLE removal_orders
      ADD COLUMN provider_informed text CHECK (provider_informed IN ('sent', 'withheld')),
      ADD COLUMN provider_informed_at timestamptz`);
    await q.query(
      `CREATE INDEX ix_removal_orders_information_due ON removal_orders (id) WHERE provider_information_due`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_removal_orders_information_due`);
    await q.query(`ALTER TABLE removal_orders
      DROP COLUMN provider_informed_at, DROP COLUMN provider_informed, DROP COLUMN provider_information_due`);
  }
}
