import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email at least once: an email whose delivery an attempt could not confirm (killed after its commit point, or the
 * server's answer lost) is sent again under the same Message-ID; `resends` counts those repeats, so that a repeat is
 * always one that followed an unknown outcome.
 */
export class OutboxResends1796150000000 implements MigrationInterface {
  name = 'OutboxResends1796150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE outbound_emails ADD COLUMN resends int NOT NULL DEFAULT 0 CHECK (resends >= 0)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_emails DROP COLUMN resends`);
  }
}
