import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, normaliseEmail } from '@takedown/domain';

type Db = DataSource | EntityManager;

/** A requested portal link works once, within a day; the session it opens lasts a working day. */
export const PORTAL_LINK_TTL_MS = 24 * 3_600_000;
export const PORTAL_SESSION_TTL_MS = 8 * 3_600_000;

/** `<id as 32 hex>_<secret>`: the id finds the row, only the secret's SHA-256 is stored. */
const LINK_PATTERN = /^([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** The customers whose registered abuse contact this address is (and that are not terminated). */
export async function customersOfAbuseContact(
  db: Db,
  email: string,
): Promise<{ id: string; name: string; reference: string; language: 'nl' | 'en' }[]> {
  return (await db.query(
    `SELECT c.id, c.name, c.reference, c.language FROM customer_abuse_contacts a
      JOIN customers c ON c.id = a.customer_id
     WHERE a.email = $1 AND c.status <> 'terminated'
     ORDER BY c.reference`,
    [normaliseEmail(email)],
  )) as { id: string; name: string; reference: string; language: 'nl' | 'en' }[];
}

/** A new portal link for one customer and contact; the returned value is the link's credential, shown once. */
export async function createPortalLink(
  db: Db,
  input: { customerId: string; email: string; ttlMs: number },
  now = new Date(),
): Promise<{ link: string; expiresAt: Date }> {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + input.ttlMs);
  await db.query(
    `INSERT INTO customer_portal_links (id, customer_id, email, secret_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, input.customerId, normaliseEmail(input.email), sha256(secret), now, expiresAt],
  );
  return { link: `${id.replace(/-/g, '')}_${secret}`, expiresAt };
}

/**
 * Uses a portal link, once: it must be ours, unexpired, unused, and its address still a registered abuse contact of
 * its customer (a contact removed since cannot come in). Throws LINK.INVALID, LINK.EXPIRED or LINK.USED. Run it in
 * the transaction that makes what the link is exchanged for: a failure there leaves the link unused.
 */
export async function redeemPortalLink(
  tx: EntityManager,
  link: string,
  now = new Date(),
): Promise<{ customerId: string; email: string }> {
  const match = LINK_PATTERN.exec(link);
  if (!match) throw new DomainError('LINK.INVALID', 'the link is not valid', 'link');
  const id = match[1].replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  {
    const [row] = (await tx.query(
      `SELECT l.customer_id, l.email, l.secret_hash, l.expires_at, l.used_at,
              EXISTS (SELECT 1 FROM customer_abuse_contacts a
                       WHERE a.customer_id = l.customer_id AND a.email = l.email) AS contact
         FROM customer_portal_links l WHERE l.id = $1 FOR UPDATE`,
      [id],
    )) as {
      customer_id: string;
      email: string;
      secret_hash: Buffer;
      expires_at: Date;
      used_at: Date | null;
      contact: boolean;
    }[];
    if (!row || !timingSafeEqual(row.secret_hash, sha256(match[2])) || !row.contact) {
      throw new DomainError('LINK.INVALID', 'the link is not valid', 'link');
    }
    if (row.used_at)
      throw new DomainError('LINK.USED', 'the link was used already: ask for a new one', 'link');
    if (row.expires_at <= now) {
      throw new DomainError('LINK.EXPIRED', `the link expired at ${row.expires_at.toISOString()}`, 'link');
    }
    await tx.query(`UPDATE customer_portal_links SET used_at = $2 WHERE id = $1`, [id, now]);
    return { customerId: row.customer_id, email: row.email };
  }
}

/**
 * Records a request for a link and returns how many there were in the last hour from this address and this
 * client, this one included. The address is kept as its hash only: a request for an unknown address leaves no
 * address behind.
 */
export async function recordLinkRequest(
  db: Db,
  email: string,
  clientIp: string,
): Promise<{ byAddress: number; byClient: number }> {
  const hash = sha256(normaliseEmail(email));
  // Both tables stay small: a request matters for an hour, a link for its lifetime.
  await db.query(`DELETE FROM customer_link_requests WHERE requested_at < now() - interval '1 day'`);
  await db.query(`DELETE FROM customer_portal_links WHERE expires_at < now() - interval '1 day'`);
  await db.query(`INSERT INTO customer_link_requests (email_hash, client_ip) VALUES ($1, $2)`, [
    hash,
    clientIp,
  ]);
  const [counts] = (await db.query(
    `SELECT count(*) FILTER (WHERE email_hash = $1)::int AS by_address,
            count(*) FILTER (WHERE client_ip = $2)::int AS by_client
       FROM customer_link_requests
      WHERE requested_at > now() - interval '1 hour' AND (email_hash = $1 OR client_ip = $2)`,
    [hash, clientIp],
  )) as { by_address: number; by_client: number }[];
  return { byAddress: counts.by_address, byClient: counts.by_client };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
