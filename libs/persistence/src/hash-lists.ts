import type { DataSource, EntityManager } from 'typeorm';

type Db = DataSource | EntityManager;

/** Stores digests of a hash list (a digest already listed keeps its first list); the number newly stored. */
export async function storeListedHashes(
  db: Db,
  list: string,
  hashes: readonly { algorithm: string; hash: string }[],
): Promise<number> {
  if (!hashes.length) return 0;
  const rows = (await db.query(
    `INSERT INTO listed_hashes (algorithm, hash, list)
     SELECT a, h, $3 FROM unnest($1::text[], $2::text[]) AS t(a, h)
     ON CONFLICT DO NOTHING RETURNING hash`,
    [hashes.map((h) => h.algorithm), hashes.map((h) => h.hash), list],
  )) as unknown[];
  return rows.length;
}

/**
 * Flags the notices (all, or the one named) that carry a reported hash (sha256, md5, sha1) on a hash list and are not
 * flagged yet, each with a `hash_listed` event on its timeline naming the lists; the ids flagged. Idempotent.
 */
export async function flagListedNotices(db: Db, actor: string, noticeId?: string): Promise<string[]> {
  const rows = (await db.query(
    `WITH flagged AS (
       UPDATE notices n SET hash_listed = true
        WHERE NOT n.hash_listed AND ($1::uuid IS NULL OR n.id = $1::uuid)
          AND EXISTS (SELECT 1 FROM jsonb_each_text(n.hashes) h
                        JOIN listed_hashes l ON l.algorithm = h.key AND l.hash = lower(h.value))
       RETURNING n.id,
                 (SELECT jsonb_agg(DISTINCT l.list) FROM jsonb_each_text(n.hashes) h
                    JOIN listed_hashes l ON l.algorithm = h.key AND l.hash = lower(h.value)) AS lists)
     INSERT INTO notice_events (notice_id, type, actor, reason, data, occurred_at, idempotency_key)
     SELECT id, 'hash_listed', $2, NULL, jsonb_build_object('lists', lists), now(), 'hash_listed:' || id FROM flagged
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING notice_id::text AS id`,
    [noticeId ?? null, actor],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}
