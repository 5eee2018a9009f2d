import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DSA Art. 22: a trusted flagger's report records the designation it was made under (the reference the Digital
 * Services Coordinator gave it, and that coordinator), as of receipt: a later change of designation does not rewrite
 * what a notice was. A source token of a trusted flagger carries its designation, so that its reports get it.
 */
export class TrustedFlaggerDesignation1796460000000 implements MigrationInterface {
  name = 'TrustedFlaggerDesignation1796460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE notice_reports ADD COLUMN designation_reference text, ADD COLUMN designating_authority text,
         ADD CONSTRAINT ck_notice_reports_designation
           CHECK ((designation_reference IS NULL) = (designating_authority IS NULL))`,
    );
    await q.query(
      `ALTER TABLE api_tokens ADD COLUMN source_designation_reference text,
         ADD COLUMN source_designating_authority text,
         ADD CONSTRAINT ck_api_tokens_designation
           CHECK ((source_designation_reference IS NULL) = (source_designating_authority IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE api_tokens DROP CONSTRAINT ck_api_tokens_designation, DROP COLUMN source_designation_reference, DROP COLUMN source_designating_authority`,
    );
    await q.query(
      `ALTER TABLE notice_reports DROP CONSTRAINT ck_notice_reports_designation, DROP COLUMN designation_reference, DROP COLUMN designating_authority`,
    );
  }
}
