import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A host name typed into the search box finds the notices on that host and its subdomains from an index of every
 * notice's domains (each URL's host and its parent domains, not the bare top-level one). The trigram index answers
 * fragments, but a host's trigrams (`fil`, `.ex`, `com`) are in most notices' URLs: at 100,000 notices it walked
 * long lists for every host search.
 */
export class NoticeHostSearch1796440000000 implements MigrationInterface {
  name = 'NoticeHostSearch1796440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE FUNCTION notice_url_domains(urls text[]) RETURNS text[]
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT ARRAY(
           SELECT DISTINCT array_to_string(labels[i:], '.')
           FROM (SELECT string_to_array(rtrim(lower(substring(u FROM
                   '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#\\[\\]]*)')), '.'), '.') AS labels
                 FROM unnest(urls) u) h,
                generate_subscripts(h.labels, 1) i
           WHERE i < cardinality(h.labels)) $$`,
    );
    await q.query(`CREATE INDEX ix_notices_url_domains ON notices USING gin (notice_url_domains(urls))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_notices_url_domains`);
    await q.query(`DROP FUNCTION notice_url_domains(text[])`);
  }
}
