import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports that name a host instead of an address (issue 22): the host name resolved at intake, and the group that links
 * the notices its addresses made when they are at several customers.
 */
export class HostNames1796280000000 implements MigrationInterface {
  name = 'HostNames1796280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices ADD COLUMN host text, ADD COLUMN host_group uuid`);
    await q.query(`CREATE INDEX ix_notices_host_group ON notices (host_group) WHERE host_group IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_host_group`);
    await q.query(`ALTER TABLE notices DROP COLUMN host_group, DROP COLUMN host`);
  }
}
