import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which of its notice's URLs each report named, as positions in `notices.urls` (1-based), so that a source is shown
 * only the URLs it reported itself. Positions rather than a copy of the URLs: retention anonymises `notices.urls` in
 * place and a second copy would outlive it. A notice's first report named all of them; a report that joined before
 * this column existed is not known to have named any.
 */
export class NoticeReportUrls1796310000000 implements MigrationInterface {
  name = 'NoticeReportUrls1796310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notice_reports ADD COLUMN url_positions integer[]`);
    await q.query(`
      UPDATE notice_reports r
      SET url_positions = ARRAY(SELECT generate_series(1, cardinality(n.urls)))
      FROM notices n
      WHERE n.id = r.notice_id AND r.source_kind = n.source_kind AND r.source_name = n.source_name
        AND r.source_reference = n.source_reference`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notice_reports DROP COLUMN url_positions`);
  }
}
