import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An email's commit point gets a lease: until it runs out, the attempt that set the commit point may still be waiting
 * for the server's answer, and no other attempt sends the email again (see `EmailOutbox`). A row committed before this
 * has none: its outcome counts as unknown, as it did.
 */
export class EmailCommitLease1796470000000 implements MigrationInterface {
  name = 'EmailCommitLease1796470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_emails ADD COLUMN commit_lease_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_emails DROP COLUMN commit_lease_until`);
  }
}
