import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who made each policy version, now that versions are written through the API and the CLI (an actor label:
 * `token:<id>`, `oidc:<subject>`, `cli:<user>`). The versions stored so far came with the migrations; a row
 * inserted by hand in SQL (tests, an operator in a hurry) says so.
 */
export class PolicyAuthor1796100000000 implements MigrationInterface {
  name = 'PolicyAuthor1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies ADD COLUMN created_by text NOT NULL DEFAULT 'system:migration'`);
    await q.query(`ALTER TABLE policies ALTER COLUMN created_by SET DEFAULT 'system:sql'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies DROP COLUMN created_by`);
  }
}
