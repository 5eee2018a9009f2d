import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every API replica keeps the tokens it verified for a short while (apps/api/src/auth/token-cache.ts). A change to a
 * token that matters for access (revoked, expiry, role, scope, deleted) is announced on the channel
 * `api_token_changed` with the token's id, by the database itself, whichever writer made it (API, CLI, SQL by hand),
 * so that every replica forgets the token at once. `last_used_at`, written once a minute per token, is not a change.
 */
export class ApiTokenChanges1796260000000 implements MigrationInterface {
  name = 'ApiTokenChanges1796260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION announce_api_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('api_token_changed', OLD.id::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_token_changed AFTER UPDATE ON api_tokens FOR EACH ROW
      WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
      EXECUTE FUNCTION announce_api_token_change()`);
    await q.query(`
      CREATE TRIGGER api_token_deleted AFTER DELETE ON api_tokens FOR EACH ROW
      EXECUTE FUNCTION announce_api_token_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER api_token_deleted ON api_tokens`);
    await q.query(`DROP TRIGGER api_token_changed ON api_tokens`);
    await q.query(`DROP FUNCTION announce_api_token_change()`);
  }
}
