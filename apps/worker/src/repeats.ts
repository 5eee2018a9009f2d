import type { EntityManager } from 'typeorm';
import type { StandingEvent } from '@takedown/domain';
import { NoticeEntity, NoticeEventEntity } from '@takedown/persistence';

/** A repeat found at attribution: what the standing is fed once the attribution committed. */
export interface RepeatFound {
  customerId: string;
  key: string;
  event: StandingEvent & { type: 'repeat' };
}

/** The reported hashes a repeat is recognised by (evidence hashes are of dropped attachments, not the material). */
const MATERIAL_HASHES = ['sha256', 'md5', 'sha1'];

/**
 * The same material back at the same customer: a notice of one of its URLs, or with one of its reported hashes, that
 * the customer already had and that is closed. The newest such notice is the one this repeats; the notice is linked
 * to it, and a `repeat` event on its timeline says by what. Nothing is fetched: only hashes the report carried count.
 */
export async function markRepeat(
  tx: EntityManager,
  notice: NoticeEntity,
  customerId: string,
  weight: number,
): Promise<RepeatFound | null> {
  if (notice.repeatOf) return null;
  const hashes = Object.entries(notice.hashes ?? {})
    .filter(([kind, value]) => MATERIAL_HASHES.includes(kind) && typeof value === 'string')
    .map(([, value]) => String(value).toLowerCase());
  if (!notice.urls.length && !hashes.length) return null;
  const [found] = (await tx.query(
    `SELECT id, urls && $3::text[] AS same_url FROM notices
      WHERE customer_id = $1 AND id <> $2 AND state = 'closed' AND received_at <= $5
        AND (urls && $3::text[]
             OR EXISTS (SELECT 1 FROM jsonb_each_text(hashes) h WHERE h.key = ANY($6) AND lower(h.value) = ANY($4)))
      ORDER BY closed_at DESC NULLS LAST, received_at DESC LIMIT 1`,
    [customerId, notice.id, notice.urls, hashes, notice.receivedAt, MATERIAL_HASHES],
  )) as { id: string; same_url: boolean }[];
  if (!found) return null;
  const by = found.same_url ? 'url' : 'hash';
  await tx.update(NoticeEntity, { id: notice.id }, { repeatOf: found.id });
  await tx
    .createQueryBuilder()
    .insert()
    .into(NoticeEventEntity)
    .values({
      noticeId: notice.id,
      type: 'repeat',
      actor: 'workflow',
      reason: null,
      data: { repeatOf: found.id, by, weight },
      occurredAt: new Date(),
      idempotencyKey: `repeat:${notice.id}`,
    })
    .orIgnore()
    .execute();
  return {
    customerId,
    key: `${notice.id}:repeat`,
    event: {
      type: 'repeat',
      noticeId: notice.id,
      repeatOf: found.id,
      category: notice.category,
      weight,
      at: new Date().toISOString(),
    },
  };
}
