import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DSA Art. 16(4): each report's sender gets a confirmation of receipt. A report is due one from its insert, whatever
 * the channel that took it in (API, batch, mail, feed, hotline push, order); the reports from before this migration
 * are not (their notices were long confirmed or closed). The index holds only the due ones, so the sweep stays cheap.
 */
export class NotifierReceipts1796380000000 implements MigrationInterface {
  name = 'NotifierReceipts1796380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notice_reports ADD COLUMN receipt_due boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE notice_reports ALTER COLUMN receipt_due SET DEFAULT true`);
    await q.query(`ALTER TABLE notice_reports ADD COLUMN receipt_sent_at timestamptz`);
    await q.query(`CREATE INDEX ix_notice_reports_receipt_due ON notice_reports (id) WHERE receipt_due`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notice_reports_receipt_due`);
    await q.query(`ALTER TABLE notice_reports DROP COLUMN receipt_sent_at, DROP COLUMN receipt_due`);
  }
}
