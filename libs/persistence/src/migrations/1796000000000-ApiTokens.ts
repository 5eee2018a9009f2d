import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API tokens for people and integrations: the hash of the secret only, a role with the scope that role needs
 * (an account manager's address, a source), expiry, last use and revocation.
 */
export class ApiTokens1796000000000 implements MigrationInterface {
  name = 'ApiTokens1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        role text NOT NULL CHECK (role IN
          ('admin', 'abuse_desk', 'abuse_lead', 'account_manager', 'legal', 'noc', 'source')),
        secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
        account_manager_email text,
        source_kind text,
        source_name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        -- A scoped role without its scope would see nothing (or, worse, everything): refuse it here too.
        CONSTRAINT ck_api_tokens_account_manager
          CHECK ((role = 'account_manager') = (account_manager_email IS NOT NULL)),
        CONSTRAINT ck_api_tokens_source
          CHECK ((role = 'source') = (source_kind IS NOT NULL AND source_name IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX ix_api_tokens_created ON api_tokens (created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
  }
}
