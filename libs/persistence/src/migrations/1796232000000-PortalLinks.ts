import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Portal links by email: a registered abuse contact asks for one, gets an expiring single-use link that it exchanges
 * for a short-lived customer token. Only the hash of a link's secret is kept. The requests are kept (an address only
 * as its hash) to rate-limit them per address and per client address.
 */
export class PortalLinks1796232000000 implements MigrationInterface {
  name = 'PortalLinks1796232000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_portal_links (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        email text NOT NULL,
        secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE customer_link_requests (
        id bigserial PRIMARY KEY,
        email_hash bytea NOT NULL,
        client_ip text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX ix_customer_link_requests_email ON customer_link_requests (email_hash, requested_at)`,
    );
    await q.query(
      `CREATE INDEX ix_customer_link_requests_ip ON customer_link_requests (client_ip, requested_at)`,
    );
    await q.query(`CREATE INDEX ix_customer_link_requests_at ON customer_link_requests (requested_at)`);
    await q.query(`CREATE INDEX ix_customer_portal_links_expiry ON customer_portal_links (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_link_requests`);
    await q.query(`DROP TABLE customer_portal_links`);
  }
}
