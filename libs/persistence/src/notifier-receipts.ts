import type { DataSource, EntityManager } from 'typeorm';

/** A report due its confirmation of receipt, with what the confirmation says. */
export interface DueReceipt {
  reportId: string;
  noticeId: string;
  sourceReference: string;
  sourceContact: string | null;
  category: string;
  receivedAt: Date;
}

/**
 * Up to `limit` reports due a receipt, oldest first, locked for this transaction (SKIP LOCKED: two workers share the
 * work instead of both sending), and marked done, in one statement, once `send` has returned for each: `true` when a
 * confirmation went, `false` when there is nobody to send it to (an anonymous report). A `send` that throws leaves the
 * whole batch due; the email outbox keeps a confirmation already sent from going twice when the next run takes it.
 */
export async function sweepDueReceipts(
  db: DataSource,
  limit: number,
  send: (receipt: DueReceipt) => Promise<boolean>,
): Promise<{ sent: number; anonymous: number }> {
  return db.transaction(async (tx: EntityManager) => {
    const due = (await tx.query(
      `SELECT r.id::text AS "reportId", r.notice_id AS "noticeId", r.source_reference AS "sourceReference",
              r.source_contact AS "sourceContact", n.category, r.received_at AS "receivedAt"
         FROM notice_reports r JOIN notices n ON n.id = r.notice_id
        WHERE r.receipt_due
        ORDER BY r.id
        LIMIT $1
          FOR UPDATE OF r SKIP LOCKED`,
      [limit],
    )) as DueReceipt[];
    const went: boolean[] = [];
    for (const receipt of due) went.push(await send(receipt));
    // One statement for the batch: the marks commit together with the transaction either way.
    if (due.length)
      await tx.query(
        `UPDATE notice_reports r
            SET receipt_due = false, receipt_sent_at = CASE WHEN d.went THEN now() END
           FROM unnest($1::bigint[], $2::boolean[]) AS d(id, went)
          WHERE r.id = d.id`,
        [due.map((r) => r.reportId), went],
      );
    const sent = went.filter(Boolean).length;
    return { sent, anonymous: due.length - sent };
  });
}

/** A removal order whose content was removed, due the information to its content provider (TCO Art. 11). */
export interface DueProviderInformation {
  orderId: string;
  noticeId: string;
  customerId: string;
  reference: string;
  authority: string;
  memberState: string;
  issuedAt: Date;
  reasons: string;
  informProvider: boolean;
  removedAt: Date;
}

/**
 * Up to `limit` removal orders whose notice removed the content (or suspended the service) and whose content provider
 * has not been told, locked as the receipts are; each marked `sent` once `send` returns true, or `withheld` without a
 * call when the order says the provider is not to be told (Art. 11(3)). One `send` answers false for (a customer with
 * nobody to tell) stays due, for the next run, without holding up the others.
 */
export async function sweepDueProviderInformation(
  db: DataSource,
  limit: number,
  send: (due: DueProviderInformation) => Promise<boolean>,
): Promise<{ sent: number; withheld: number }> {
  return db.transaction(async (tx: EntityManager) => {
    const due = (await tx.query(
      `SELECT o.id AS "orderId", o.notice_id AS "noticeId", n.customer_id AS "customerId", o.reference,
              o.authority, o.member_state AS "memberState", o.issued_at AS "issuedAt", o.reasons,
              o.inform_provider AS "informProvider", coalesce(n.removed_at, n.closed_at) AS "removedAt"
         FROM removal_orders o JOIN notices n ON n.id = o.notice_id
        WHERE o.provider_information_due AND n.customer_id IS NOT NULL
          AND (n.removed_at IS NOT NULL OR n.outcome = 'suspended')
        ORDER BY o.received_at, o.id
        LIMIT $1
          FOR UPDATE OF o SKIP LOCKED`,
      [limit],
    )) as DueProviderInformation[];
    let sent = 0;
    let withheld = 0;
    for (const order of due) {
      if (order.informProvider) {
        if (!(await send(order))) continue;
        sent++;
      } else withheld++;
      await tx.query(
        `UPDATE removal_orders SET provider_information_due = false, provider_informed = $2,
                provider_informed_at = now() WHERE id = $1`,
        [order.orderId, order.informProvider ? 'sent' : 'withheld'],
      );
    }
    return { sent, withheld };
  });
}
