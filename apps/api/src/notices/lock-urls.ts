import type { EntityManager } from 'typeorm';

/**
 * Takes the intake's per-URL locks, so that two reports of one URL never open two notices. One statement for all of
 * a notice's (or a batch's) URLs, in the order of the lock keys, so that two intakes never wait for each other in a
 * circle.
 */
export async function lockUrls(tx: EntityManager, urls: string[]): Promise<void> {
  if (!urls.length) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(key) FROM (SELECT DISTINCT hashtext(u) AS key FROM unnest($1::text[]) u ORDER BY key) keys`,
    [urls],
  );
}
