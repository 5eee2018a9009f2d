import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The desk's search (`GET /v1/notices?q=`) finds a notice by whatever it was given, each kind through an index:
 * - a URL fragment or a host: trigram GIN indexes on the notice's URLs as one text, and on their hosts alone (what a
 *   role that may not read a CSAM URL's path may search it by, docs/auth.md);
 * - an IP or a CIDR: a GiST index on the notice's address, for inet containment (`ip <<= '198.51.100.0/24'`);
 * - a hash (MD5, SHA-1, SHA-256): a GIN index on the lower-cased values of `hashes`;
 * - a source reference: a B-tree on every report's reference (a notice joined by several reports has several);
 * and the queue's order (`sort=time_left`: open notices by deadline, those without one last, closed ones after).
 * The expressions are functions so that the query names exactly what the index holds; IMMUTABLE (the built-ins
 * they call are STABLE only because of other types' output functions), so PostgreSQL may index them.
 */
export class NoticeSearch1796200000000 implements MigrationInterface {
  name = 'NoticeSearch1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(
      `CREATE FUNCTION notice_urls_text(urls text[]) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(urls, ' ') $$`,
    );
    await q.query(
      `CREATE FUNCTION notice_url_hosts(urls text[]) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT array_to_string(ARRAY(
           SELECT lower(substring(u FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\\[[^]]*\\]|[^:/?#]*)'))
           FROM unnest(urls) u), ' ') $$`,
    );
    await q.query(
      `CREATE FUNCTION notice_hash_values(hashes jsonb) RETURNS text[]
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT ARRAY(SELECT lower(value) FROM jsonb_each_text(hashes)) $$`,
    );
    await q.query(
      `CREATE INDEX ix_notices_urls_trgm ON notices USING gin (notice_urls_text(urls) gin_trgm_ops)`,
    );
    await q.query(
      `CREATE INDEX ix_notices_url_hosts_trgm ON notices USING gin (notice_url_hosts(urls) gin_trgm_ops)`,
    );
    await q.query(`CREATE INDEX ix_notices_ip ON notices USING gist (ip inet_ops)`);
    await q.query(`CREATE INDEX ix_notices_hash_values ON notices USING gin (notice_hash_values(hashes))`);
    await q.query(`CREATE INDEX ix_notice_reports_reference ON notice_reports (source_reference)`);
    await q.query(
      `CREATE INDEX ix_notices_time_left ON notices ((state = 'closed'), deadline NULLS LAST, received_at, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_time_left`);
    await q.query(`DROP INDEX ix_notice_reports_reference`);
    await q.query(`DROP INDEX ix_notices_hash_values`);
    await q.query(`DROP INDEX ix_notices_ip`);
    await q.query(`DROP INDEX ix_notices_url_hosts_trgm`);
    await q.query(`DROP INDEX ix_notices_urls_trgm`);
    await q.query(`DROP FUNCTION notice_hash_values(jsonb)`);
    await q.query(`DROP FUNCTION notice_url_hosts(text[])`);
    await q.query(`DROP FUNCTION notice_urls_text(text[])`);
    // pg_trgm stays: another schema object may have come to use it.
  }
}
