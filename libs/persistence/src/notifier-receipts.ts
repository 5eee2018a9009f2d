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
 * work instead of both sending), and each marked done once `send` returns for it: `true` when a confirmation went,
 * `false` when there is nobody to send it to (an anonymous report). A `send` that throws rolls back the batch's marks
 * for the reports not yet done; the email outbox keeps a sent one from going twice.
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
    let sent = 0;
    for (const receipt of due) {
      const went = await send(receipt);
      if (went) sent++;
      await tx.query(
        `UPDATE notice_reports SET receipt_due = false, receipt_sent_at = CASE WHEN $2 THEN now() END WHERE id = $1`,
        [receipt.reportId, went],
      );
    }
    return { sent, anonymous: due.length - sent };
  });
}
