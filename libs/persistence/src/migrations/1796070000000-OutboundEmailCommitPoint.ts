import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox's commit point: when a send was recorded, just before the final dot of SMTP DATA. A row with
 * `committed_at` and no `sent_at` is a send whose answer never came back; it is not sent again.
 */
export class OutboundEmailCommitPoint1796070000000 implements MigrationInterface {
  name = 'OutboundEmailCommitPoint1796070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_emails ADD COLUMN committed_at timestamptz`);
    // Rows sent before this migration were sent: their commit point is their send.
    await q.query(`UPDATE outbound_emails SET committed_at = sent_at WHERE sent_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_emails DROP COLUMN committed_at`);
  }
}
