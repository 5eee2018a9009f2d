import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resellers (issue 20): a reseller's contract says how it is involved in the notices about its end customers
 * (`none`, `informed`, `act_first` with how long it has before the end customer is notified). A notice keeps the
 * reseller and the mode of its receipt, from the attribution chain then, so that a later contract change or a moved
 * prefix does not change who saw or answered it.
 */
export class ResellerModes1796410000000 implements MigrationInterface {
  name = 'ResellerModes1796410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE contracts
        ADD COLUMN reseller_mode text NOT NULL DEFAULT 'none'
          CHECK (reseller_mode IN ('none', 'informed', 'act_first')),
        ADD COLUMN act_first_minutes int CHECK (act_first_minutes BETWEEN 1 AND 10080),
        ADD CONSTRAINT ck_contracts_act_first CHECK (reseller_mode <> 'act_first' OR act_first_minutes IS NOT NULL)`);
    await q.query(`
      ALTER TABLE notices
        ADD COLUMN reseller_id uuid REFERENCES customers(id),
        ADD COLUMN reseller_mode text CHECK (reseller_mode IN ('informed', 'act_first')),
        ADD CONSTRAINT ck_notices_reseller CHECK ((reseller_id IS NULL) = (reseller_mode IS NULL))`);
    // The reseller's portal lists its end customers' notices as the end customer's lists its own.
    await q.query(
      `CREATE INDEX ix_notices_reseller ON notices (reseller_id, deadline) WHERE reseller_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_reseller`);
    await q.query(
      `ALTER TABLE notices DROP CONSTRAINT ck_notices_reseller, DROP COLUMN reseller_mode, DROP COLUMN reseller_id`,
    );
    await q.query(
      `ALTER TABLE contracts DROP CONSTRAINT ck_contracts_act_first, DROP COLUMN act_first_minutes, DROP COLUMN reseller_mode`,
    );
  }
}
