import type { DataSource, EntityManager } from 'typeorm';

/** A removal order as stored (`removal_orders`), with the state of the notice that carries its clock. */
export interface RemovalOrderRow {
  id: string;
  noticeId: string;
  authority: string;
  memberState: string;
  reference: string;
  issuedAt: Date;
  receivedAt: Date;
  urls: string[];
  reasons: string;
  contactPoint: string;
  informProvider: boolean;
  receivedBy: string;
  pagesSent: number;
  lastPagedAt: Date | null;
  pageAckedAt: Date | null;
  pageAckedBy: string | null;
  preserveUntil: Date | null;
  /** TCO Art. 11: the content provider told (`sent`), or not at the authority's request (`withheld`); null: not yet. */
  providerInformed: 'sent' | 'withheld' | null;
  providerInformedAt: Date | null;
  noticeState: string;
  noticeOutcome: string | null;
  noticeDeadline: Date | null;
  noticeClosedAt: Date | null;
  noticeRemovedAt: Date | null;
}

export type NewRemovalOrder = Omit<
  RemovalOrderRow,
  | 'pagesSent'
  | 'lastPagedAt'
  | 'pageAckedAt'
  | 'pageAckedBy'
  | 'preserveUntil'
  | 'providerInformed'
  | 'providerInformedAt'
  | 'noticeState'
  | 'noticeOutcome'
  | 'noticeDeadline'
  | 'noticeClosedAt'
  | 'noticeRemovedAt'
>;

const SELECT = `
  SELECT o.id, o.notice_id AS "noticeId", o.authority, o.member_state AS "memberState", o.reference,
         o.issued_at AS "issuedAt", o.received_at AS "receivedAt", o.urls, o.reasons,
         o.contact_point AS "contactPoint", o.inform_provider AS "informProvider", o.received_by AS "receivedBy",
         o.pages_sent AS "pagesSent", o.last_paged_at AS "lastPagedAt", o.page_acked_at AS "pageAckedAt",
         o.page_acked_by AS "pageAckedBy", o.preserve_until AS "preserveUntil",
         o.provider_informed AS "providerInformed", o.provider_informed_at AS "providerInformedAt",
         n.state AS "noticeState", n.outcome AS "noticeOutcome", n.deadline AS "noticeDeadline",
         n.closed_at AS "noticeClosedAt", n.removed_at AS "noticeRemovedAt"
    FROM removal_orders o JOIN notices n ON n.id = o.notice_id`;

type Db = DataSource | EntityManager;

/**
 * Stores an order for its notice; the same order sent again (authority, member state, reference) is the one stored
 * first. Answers the stored order's id, and whether this call stored it.
 */
export async function insertRemovalOrder(
  db: Db,
  order: NewRemovalOrder,
): Promise<{ id: string; created: boolean }> {
  const rows = (await db.query(
    `INSERT INTO removal_orders (id, notice_id, authority, member_state, reference, issued_at, received_at, urls,
                                 reasons, contact_point, inform_provider, received_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (member_state, authority, reference) DO NOTHING RETURNING id`,
    [
      order.id,
      order.noticeId,
      order.authority,
      order.memberState,
      order.reference,
      order.issuedAt,
      order.receivedAt,
      order.urls,
      order.reasons,
      order.contactPoint,
      order.informProvider,
      order.receivedBy,
    ],
  )) as { id: string }[];
  if (rows.length) return { id: rows[0].id, created: true };
  const [known] = (await db.query(
    `SELECT id FROM removal_orders WHERE member_state = $1 AND authority = $2 AND reference = $3`,
    [order.memberState, order.authority, order.reference],
  )) as { id: string }[];
  return { id: known.id, created: false };
}

export async function findRemovalOrder(db: Db, id: string): Promise<RemovalOrderRow | null> {
  const rows = (await db.query(`${SELECT} WHERE o.id = $1`, [id])) as RemovalOrderRow[];
  return rows[0] ?? null;
}

/** Newest first, `limit` at a time after the order `after` (keyset on receipt time and id). */
export async function listRemovalOrders(
  db: Db,
  opts: { limit: number; after?: { receivedAt: Date; id: string } },
): Promise<RemovalOrderRow[]> {
  return (await db.query(
    `${SELECT}
      WHERE $1::timestamptz IS NULL OR (o.received_at, o.id) < ($1::timestamptz, $2::uuid)
      ORDER BY o.received_at DESC, o.id DESC LIMIT $3`,
    [opts.after?.receivedAt ?? null, opts.after?.id ?? null, opts.limit],
  )) as RemovalOrderRow[];
}

/** The first acknowledgement of the page counts; later ones change nothing. False for an unknown order. */
export async function acknowledgeRemovalOrderPage(db: Db, id: string, by: string): Promise<boolean> {
  // An UPDATE answers [rows, count].
  const [, count] = (await db.query(
    `UPDATE removal_orders SET page_acked_at = COALESCE(page_acked_at, now()),
                               page_acked_by = COALESCE(page_acked_by, $2)
      WHERE id = $1`,
    [id, by],
  )) as [unknown, number];
  return count > 0;
}

/**
 * Whether the on-call person still needs paging for the order: not while nobody acknowledged, the notice is open
 * and the NOC task it opened at receipt is not done.
 */
export async function removalOrderNeedsPaging(db: Db, id: string): Promise<boolean> {
  const [row] = (await db.query(
    `SELECT o.page_acked_at IS NULL AND n.state <> 'closed'
            AND NOT EXISTS (SELECT 1 FROM tasks t
                             WHERE t.notice_id = o.notice_id AND t.kind = 'noc_suspension' AND t.status = 'completed')
              AS needed
       FROM removal_orders o JOIN notices n ON n.id = o.notice_id WHERE o.id = $1`,
    [id],
  )) as { needed: boolean }[];
  return row?.needed ?? false;
}

/** Counts a page sent; `attempt` makes a retried activity count once. */
export async function recordRemovalOrderPage(db: Db, id: string, attempt: number): Promise<void> {
  await db.query(
    `UPDATE removal_orders SET pages_sent = GREATEST(pages_sent, $2), last_paged_at = now() WHERE id = $1`,
    [id, attempt],
  );
}

/** Sets the preservation hold's end once (TCO Art. 6); a later call keeps the first. Answers the hold's end. */
export async function holdRemovalOrder(db: Db, id: string, until: Date): Promise<Date> {
  const [[row]] = (await db.query(
    `UPDATE removal_orders SET preserve_until = COALESCE(preserve_until, $2) WHERE id = $1 RETURNING preserve_until`,
    [id, until],
  )) as [{ preserve_until: Date }[], number];
  return row.preserve_until;
}
