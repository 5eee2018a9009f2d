import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '@takedown/domain';

type Db = DataSource | EntityManager;

/** What a customer's webhook is told of: a new notice, a reminder (or last call), a missed deadline. */
export const CUSTOMER_WEBHOOK_EVENTS = [
  'notice.created',
  'notice.reminder',
  'notice.deadline_passed',
] as const;
export type CustomerWebhookEvent = (typeof CUSTOMER_WEBHOOK_EVENTS)[number];

export interface CustomerWebhook {
  customerId: string;
  url: string;
  updatedAt: Date;
}

export interface CustomerWebhookDelivery {
  eventId: string;
  customerId: string;
  noticeId: string;
  type: CustomerWebhookEvent;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

interface DeliveryRow {
  event_id: string;
  customer_id: string;
  notice_id: string;
  type: CustomerWebhookEvent;
  status: CustomerWebhookDelivery['status'];
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
}

const DELIVERY_COLUMNS = `event_id, customer_id, notice_id, type, status, attempts, last_status, last_error, created_at,
  last_attempt_at, delivered_at`;

/**
 * Sets (or replaces) a customer's webhook with a new signing secret, returned once: the caller shows it to whoever
 * set it, the worker reads it to sign. A replaced secret stops working at once.
 */
export async function setCustomerWebhook(
  db: Db,
  customerId: string,
  url: string,
  by: string,
): Promise<CustomerWebhook & { secret: string }> {
  const secret = randomBytes(32).toString('base64url');
  const [row] = (await db.query(
    `INSERT INTO customer_webhooks (customer_id, url, secret, updated_at, updated_by)
     SELECT id, $2, $3, now(), $4 FROM customers WHERE id = $1
     ON CONFLICT (customer_id) DO UPDATE SET url = $2, secret = $3, updated_at = now(), updated_by = $4
     RETURNING url, updated_at`,
    [customerId, url, secret, by],
  )) as { url: string; updated_at: Date }[];
  if (!row) throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${customerId} does not exist`);
  return { customerId, url: row.url, updatedAt: row.updated_at, secret };
}

/** The webhook without its secret, for showing; null when the customer has none. */
export async function getCustomerWebhook(db: Db, customerId: string): Promise<CustomerWebhook | null> {
  const [row] = (await db.query(`SELECT url, updated_at FROM customer_webhooks WHERE customer_id = $1`, [
    customerId,
  ])) as { url: string; updated_at: Date }[];
  return row ? { customerId, url: row.url, updatedAt: row.updated_at } : null;
}

/** The endpoint and secret to sign with: the worker's read. */
export async function customerWebhookSecret(
  db: Db,
  customerId: string,
): Promise<{ url: string; secret: string } | null> {
  const [row] = (await db.query(`SELECT url, secret FROM customer_webhooks WHERE customer_id = $1`, [
    customerId,
  ])) as { url: string; secret: string }[];
  return row ?? null;
}

/**
 * Records that an event is to be delivered, when the notice's customer has a webhook; once per event id, whatever
 * the retries. Returns whether a delivery is pending for the event (new or from an earlier attempt).
 */
export async function enqueueCustomerWebhook(
  db: Db,
  input: { eventId: string; noticeId: string; type: CustomerWebhookEvent },
): Promise<boolean> {
  await db.query(
    `INSERT INTO customer_webhook_deliveries (event_id, customer_id, notice_id, type)
     SELECT $1, n.customer_id, n.id, $3 FROM notices n
      JOIN customer_webhooks w ON w.customer_id = n.customer_id
     WHERE n.id = $2
     ON CONFLICT (event_id) DO NOTHING`,
    [input.eventId, input.noticeId, input.type],
  );
  const [row] = (await db.query(`SELECT status FROM customer_webhook_deliveries WHERE event_id = $1`, [
    input.eventId,
  ])) as { status: string }[];
  return row?.status === 'pending';
}

export async function findCustomerWebhookDelivery(
  db: Db,
  eventId: string,
): Promise<CustomerWebhookDelivery | null> {
  const [row] = (await db.query(
    `SELECT ${DELIVERY_COLUMNS} FROM customer_webhook_deliveries WHERE event_id = $1`,
    [eventId],
  )) as DeliveryRow[];
  return row ? delivery(row) : null;
}

/** One attempt's outcome: delivered (a 2xx), or the status or error it failed with. */
export async function recordCustomerWebhookAttempt(
  db: Db,
  eventId: string,
  outcome: { delivered: boolean; status: number | null; error: string | null },
): Promise<void> {
  await db.query(
    `UPDATE customer_webhook_deliveries
        SET attempts = attempts + 1, last_status = $2, last_error = $3, last_attempt_at = now(),
            status = CASE WHEN $4 THEN 'delivered' ELSE status END,
            delivered_at = CASE WHEN $4 THEN now() ELSE delivered_at END
      WHERE event_id = $1`,
    [eventId, outcome.status, outcome.error, outcome.delivered],
  );
}

/** Every attempt failed: the delivery is given up on, and says so. */
export async function failCustomerWebhookDelivery(db: Db, eventId: string): Promise<void> {
  await db.query(
    `UPDATE customer_webhook_deliveries SET status = 'failed' WHERE event_id = $1 AND status = 'pending'`,
    [eventId],
  );
}

export async function listCustomerWebhookDeliveries(
  db: Db,
  customerId: string,
  page: { limit: number; offset: number },
): Promise<{ items: CustomerWebhookDelivery[]; total: number }> {
  const [rows, [{ total }]] = (await Promise.all([
    db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM customer_webhook_deliveries WHERE customer_id = $1
       ORDER BY created_at DESC, event_id LIMIT $2 OFFSET $3`,
      [customerId, page.limit, page.offset],
    ),
    db.query(`SELECT count(*)::int AS total FROM customer_webhook_deliveries WHERE customer_id = $1`, [
      customerId,
    ]),
  ])) as [DeliveryRow[], { total: number }[]];
  return { items: rows.map(delivery), total };
}

function delivery(r: DeliveryRow): CustomerWebhookDelivery {
  return {
    eventId: r.event_id,
    customerId: r.customer_id,
    noticeId: r.notice_id,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at,
    deliveredAt: r.delivered_at,
  };
}
