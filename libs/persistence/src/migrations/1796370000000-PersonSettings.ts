import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's own console settings (time zone, language), kept by the API so that they follow the person from
 * browser to browser. The subject is the audit trail's actor label (`token:<id>`, `oidc:<issuer>|<sub>`); a person
 * without a row has the provider's defaults.
 */
export class PersonSettings1796370000000 implements MigrationInterface {
  name = 'PersonSettings1796370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE person_settings (
        subject text PRIMARY KEY,
        time_zone text,
        language text CHECK (language IN ('en', 'nl')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE person_settings`);
  }
}
