import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The audit chain's hashes are unkeyed: whoever can write the table (its owner) can change a row and recompute every
 * hash after it, and `verifyAuditChain` passes. A head signed with a key PostgreSQL never sees (AUDIT_HEAD_KEY), and
 * kept outside it (the API exports one when the chain grows), pins the chain: a row changed at or before a signed
 * head changes the hash the head names, and a cut tail loses the row it names.
 */
export interface SignedAuditHead {
  /** The last row's id when the head was taken. */
  id: string;
  /** That row's hash. */
  hash: string;
  at: string;
  /** HMAC-SHA256 over version, id, hash and time, hex. */
  mac: string;
}

const HEAD_VERSION = 'takedown-audit-head-v1';

const macOf = (key: string, head: Omit<SignedAuditHead, 'mac'>) =>
  createHmac('sha256', key).update(`${HEAD_VERSION}\n${head.id}\n${head.hash}\n${head.at}`).digest('hex');

export function signAuditHead(
  key: string,
  head: { id: string; hash: string },
  at = new Date(),
): SignedAuditHead {
  const unsigned = { id: head.id, hash: head.hash, at: at.toISOString() };
  return { ...unsigned, mac: macOf(key, unsigned) };
}

/** The chain's last row, or null while it is empty. */
export async function readAuditHead(
  db: DataSource | EntityManager,
): Promise<{ id: string; hash: string } | null> {
  const [row] = (await db.query(`SELECT id::text AS id, hash FROM audit_log ORDER BY id DESC LIMIT 1`)) as {
    id: string;
    hash: string;
  }[];
  return row ?? null;
}

/** Exported heads, one JSON object a line (what the API appends to AUDIT_HEAD_FILE). */
export function parseAuditHeads(text: string): SignedAuditHead[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as SignedAuditHead);
}

export type AuditHeadVerification =
  { ok: true; heads: number } | { ok: false; head: SignedAuditHead; problem: string };

/**
 * Each head must carry the key's MAC and name a row that still has the hash it had. Run with `verifyAuditChain`
 * (which checks every stored hash against its row): together they fail on a row changed at or before any head, even
 * with every hash after it recomputed, and on rows cut from the end up to a head.
 */
export async function verifyAuditHeads(
  db: DataSource | EntityManager,
  key: string,
  heads: SignedAuditHead[],
): Promise<AuditHeadVerification> {
  for (const head of heads) {
    const expected = Buffer.from(macOf(key, head), 'hex');
    const given = Buffer.from(String(head.mac), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, head, problem: `the head of row ${head.id} does not carry AUDIT_HEAD_KEY's MAC` };
    }
    const [row] = (await db.query(`SELECT hash FROM audit_log WHERE id = $1::bigint`, [head.id])) as {
      hash: string;
    }[];
    if (!row)
      return { ok: false, head, problem: `row ${head.id}, signed as a head, is gone: the trail was cut` };
    if (row.hash !== head.hash) {
      return {
        ok: false,
        head,
        problem: `row ${head.id}'s hash is not the one signed at ${head.at}: rows up to it were changed and re-hashed`,
      };
    }
  }
  return { ok: true, heads: heads.length };
}

/**
 * Keeps a signed head in `audit_heads` (insert-only), where it waits to be exported. False when that row's head was
 * kept already (two workers ran the schedule's activity at once).
 */
export async function recordAuditHead(
  db: DataSource | EntityManager,
  head: SignedAuditHead,
): Promise<boolean> {
  const rows = (await db.query(
    `INSERT INTO audit_heads (audit_id, hash, at, mac) VALUES ($1::bigint, $2, $3, $4)
     ON CONFLICT (audit_id) DO NOTHING RETURNING audit_id`,
    [head.id, head.hash, head.at, head.mac],
  )) as unknown[];
  return rows.length === 1;
}

/** The signed heads kept, oldest first; `after`: only those of rows after that audit row id. */
export async function listAuditHeads(
  db: DataSource | EntityManager,
  opts: { after?: string; limit?: number } = {},
): Promise<SignedAuditHead[]> {
  return (await db.query(
    `SELECT audit_id::text AS id, hash, at, mac FROM audit_heads
     WHERE $1::bigint IS NULL OR audit_id > $1::bigint ORDER BY audit_id LIMIT $2`,
    [opts.after ?? null, opts.limit ?? 10_000],
  )) as SignedAuditHead[];
}

/** The last head kept, or null. */
export async function lastAuditHead(db: DataSource | EntityManager): Promise<SignedAuditHead | null> {
  const [row] = (await db.query(
    `SELECT audit_id::text AS id, hash, at, mac FROM audit_heads ORDER BY audit_id DESC LIMIT 1`,
  )) as SignedAuditHead[];
  return row ?? null;
}
