import type { DataSource, QueryRunner } from 'typeorm';
import type { Actor, Category, UrlHashKey } from '@takedown/domain';
import { anonymisedText, anonymisedUrl } from '@takedown/domain';
import { appendAudit } from './audit-log';

/** How long closed notices keep their details: RETENTION_DAYS, and RETENTION_DAYS_BY_CATEGORY where set. */
export interface RetentionPolicy {
  days: number;
  byCategory?: Partial<Record<Category, number>>;
  /** The key of the path hashes URLs are reduced to (URL_HASH_KEYS' first): never stored with them. */
  urlHashKey: UrlHashKey;
}

/** The tables retention changes, in the order it changes them. */
export const RETENTION_TABLES = [
  'notices',
  'notice_reports',
  'notice_events',
  'tasks',
  'outbound_emails',
  'raw_messages',
  'removal_orders',
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface RetentionReport {
  dryRun: boolean;
  /** The moment the ages were counted from (ISO 8601). */
  now: string;
  policy: { days: number; byCategory: Partial<Record<Category, number>> };
  /** Rows changed, or that would change in a dry run, per table. */
  rows: Record<RetentionTable, number>;
  /** The first few ids anonymised (or that would be), to look at. */
  examples: { notices: string[]; rawMessages: string[] };
}

const NOTICE_BATCH = 200;

/** How long a removal order's content metadata is preserved after the removal (TCO Regulation Art. 6(1)). */
export const ORDER_HOLD = `interval '6 months'`;

/**
 * Anonymises what the policy no longer allows to keep (docs/retention.md). A closed notice older than its
 * category's retention, once its reopen window has passed, keeps its category, customer, source organisation,
 * timestamps, deadline, outcome, content hashes and every timeline step (type, actor, time), so that counts,
 * timings, transparency figures and termination reports stay as they were; it loses its URLs (reduced to host + keyed
 * hash of path and query, the form the termination report shows), the reporter's contact, the text of the mail
 * it came in, and URLs and email addresses in free text (reasons, notes, task summaries). Feedback emails lose
 * their recipient. Unprocessable mail older than RETENTION_DAYS keeps its size and reason only.
 *
 * Batches of notices in transactions of their own; a dry run does exactly the same work and rolls every
 * transaction back, so its counts are those of a real run. Running it again changes nothing: anonymised rows are
 * marked (`anonymised_at`) and skipped.
 */
export async function runRetention(
  db: DataSource,
  policy: RetentionPolicy,
  opts: { dryRun?: boolean; now?: Date; exampleCount?: number; actor?: Actor } = {},
): Promise<RetentionReport> {
  const now = opts.now ?? new Date();
  const dryRun = opts.dryRun ?? false;
  const exampleCount = opts.exampleCount ?? 5;
  const report: RetentionReport = {
    dryRun,
    now: now.toISOString(),
    policy: { days: policy.days, byCategory: policy.byCategory ?? {} },
    rows: Object.fromEntries(RETENTION_TABLES.map((t) => [t, 0])) as Record<RetentionTable, number>,
    examples: { notices: [], rawMessages: [] },
  };

  let after: { closedAt: Date; id: string } | null = null;
  for (;;) {
    const batch = (await db.query(
      `SELECT id, closed_at FROM notices
       WHERE state = 'closed' AND anonymised_at IS NULL
         AND closed_at < $1::timestamptz - make_interval(days => COALESCE(($2::jsonb ->> category)::int, $3))
         -- A closed notice can be reopened for as long as its deadline period: its workflow still mails its URLs.
         AND closed_at + GREATEST(COALESCE(deadline - received_at, interval '0'), interval '0') < $1::timestamptz
         AND ($4::timestamptz IS NULL OR (closed_at, id) > ($4::timestamptz, $5::uuid))
         -- A removal order's content metadata is held six months from the removal (TCO Art. 6), whatever the policy.
         AND NOT EXISTS (SELECT 1 FROM removal_orders o WHERE o.notice_id = notices.id
                           AND COALESCE(o.preserve_until, notices.closed_at + ${ORDER_HOLD}) > $1::timestamptz)
       ORDER BY closed_at, id LIMIT ${NOTICE_BATCH}`,
      [
        now,
        JSON.stringify(report.policy.byCategory),
        policy.days,
        after?.closedAt ?? null,
        after?.id ?? null,
      ],
    )) as { id: string; closed_at: Date }[];
    if (!batch.length) break;
    const ids = batch.map((n) => n.id);
    await inTransaction(db, dryRun, async (q) => {
      const counts = await anonymiseNotices(q, ids, now, policy.urlHashKey);
      for (const t of RETENTION_TABLES) report.rows[t] += counts[t] ?? 0;
    });
    report.examples.notices.push(...ids.slice(0, exampleCount - report.examples.notices.length));
    const last = batch[batch.length - 1];
    after = { closedAt: last.closed_at, id: last.id };
  }

  await inTransaction(db, dryRun, async (q) => {
    const messages = (await q.query(
      `SELECT id, error FROM raw_messages
       WHERE anonymised_at IS NULL AND received_at < $1::timestamptz - make_interval(days => $2)
       ORDER BY received_at, id`,
      [now, policy.days],
    )) as { id: string; error: string }[];
    for (const m of messages) {
      await q.query(
        `UPDATE raw_messages SET sender = NULL, message_id = NULL, headers = '', text = '', error = $2,
           anonymised_at = $3 WHERE id = $1`,
        [m.id, anonymisedText(m.error, policy.urlHashKey), now],
      );
    }
    report.rows.raw_messages = messages.length;
    report.examples.rawMessages = messages.slice(0, exampleCount).map((m) => m.id);
  });

  const changed = Object.values(report.rows).some((n) => n > 0);
  if (!dryRun && changed && opts.actor) {
    await appendAudit(db, {
      actor: opts.actor,
      action: 'retention.run',
      summary: { rows: report.rows, policy: report.policy, examples: report.examples },
    });
  }
  return report;
}

/** One batch of notices; returns the rows changed per table. */
async function anonymiseNotices(
  q: QueryRunner,
  ids: string[],
  now: Date,
  key: UrlHashKey,
): Promise<Partial<Record<RetentionTable, number>>> {
  const notices = (await q.query(
    `SELECT id, urls, description FROM notices WHERE id = ANY($1::uuid[]) FOR UPDATE`,
    [ids],
  )) as { id: string; urls: string[]; description: string | null }[];
  for (const n of notices) {
    await q.query(
      `UPDATE notices SET urls = $2, description = $3, source_contact = NULL, original_text = NULL, report_details = NULL,
         anonymised_at = $4, updated_at = now() WHERE id = $1`,
      [
        n.id,
        n.urls.map((u) => anonymisedUrl(u, key)),
        n.description === null ? null : anonymisedText(n.description, key),
        now,
      ],
    );
  }
  const [, reports] = (await q.query(
    `UPDATE notice_reports SET source_contact = NULL WHERE notice_id = ANY($1::uuid[]) AND source_contact IS NOT NULL`,
    [ids],
  )) as [unknown, number];

  await q.query(`SET LOCAL takedown.retention = 'on'`);
  let events = 0;
  const eventRows = (await q.query(
    `SELECT id, reason, data FROM notice_events WHERE notice_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  )) as { id: string; reason: string | null; data: unknown }[];
  for (const e of eventRows) {
    const reason = e.reason === null ? null : anonymisedText(e.reason, key);
    const data = anonymisedJson(e.data, key);
    if (reason === e.reason && JSON.stringify(data) === JSON.stringify(e.data)) continue;
    await q.query(`UPDATE notice_events SET reason = $2, data = $3::jsonb WHERE id = $1`, [
      e.id,
      reason,
      JSON.stringify(data),
    ]);
    events++;
  }

  let tasks = 0;
  const taskRows = (await q.query(
    `SELECT id, summary, note FROM tasks WHERE notice_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  )) as { id: string; summary: string; note: string | null }[];
  for (const t of taskRows) {
    const summary = anonymisedText(t.summary, key);
    const note = t.note === null ? null : anonymisedText(t.note, key);
    if (summary === t.summary && note === t.note) continue;
    await q.query(`UPDATE tasks SET summary = $2, note = $3 WHERE id = $1`, [t.id, summary, note]);
    tasks++;
  }

  // The source's feedback email went to the reporter's contact (key `<noticeId>:feedback:<n>`).
  const [, emails] = (await q.query(
    `UPDATE outbound_emails SET to_addresses = '{}'
     WHERE split_part(idempotency_key, ':', 1) = ANY($1::text[]) AND split_part(idempotency_key, ':', 2) = 'feedback'
       AND to_addresses <> '{}'`,
    [ids],
  )) as [unknown, number];

  const orderRows = (await q.query(
    `SELECT id, urls, reasons FROM removal_orders WHERE notice_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  )) as { id: string; urls: string[]; reasons: string }[];
  for (const o of orderRows) {
    await q.query(`UPDATE removal_orders SET urls = $2, reasons = $3 WHERE id = $1`, [
      o.id,
      o.urls.map((u) => anonymisedUrl(u, key)),
      anonymisedText(o.reasons, key),
    ]);
  }

  return {
    notices: notices.length,
    removal_orders: orderRows.length,
    notice_reports: reports,
    notice_events: events,
    tasks,
    outbound_emails: emails,
  };
}

/** Every string in a timeline step's data (a duplicate's reference, a dispute) reduced like free text. */
function anonymisedJson(value: unknown, key: UrlHashKey): unknown {
  if (typeof value === 'string') return anonymisedText(value, key);
  if (Array.isArray(value)) return value.map((v) => anonymisedJson(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, anonymisedJson(v, key)]));
  }
  return value;
}

/** Runs `work` in a transaction that commits, or, in a dry run, always rolls back. */
async function inTransaction(
  db: DataSource,
  dryRun: boolean,
  work: (q: QueryRunner) => Promise<void>,
): Promise<void> {
  const q = db.createQueryRunner();
  await q.connect();
  try {
    await q.startTransaction();
    await work(q);
    if (dryRun) await q.rollbackTransaction();
    else await q.commitTransaction();
  } catch (err) {
    if (q.isTransactionActive) await q.rollbackTransaction();
    throw err;
  } finally {
    await q.release();
  }
}
