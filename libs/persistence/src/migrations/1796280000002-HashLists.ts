import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hash lists (issue 22): digests of known material a hotline exports (MD5, SHA-1, SHA-256), imported with
 * `takedown import hashes`; a notice whose reported hash is on one is flagged `hash_listed`. Only digests: nothing
 * is ever downloaded to compute one.
 */
export class HashLists1796280000002 implements MigrationInterface {
  name = 'HashLists1796280000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE listed_hashes (
         algorithm text NOT NULL CHECK (algorithm IN ('md5', 'sha1', 'sha256')),
         hash text NOT NULL CHECK (hash ~ '^[0-9a-f]+$'),
         list text NOT NULL,
         imported_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (algorithm, hash)
       )`,
    );
    await q.query(`ALTER TABLE notices ADD COLUMN hash_listed boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notices DROP COLUMN hash_listed`);
    await q.query(`DROP TABLE listed_hashes`);
  }
}
