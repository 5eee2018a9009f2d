import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { DataSource, EntityManager } from 'typeorm';
import { redactUrl, type Actor, type ActorKind } from '@takedown/domain';

type Db = DataSource | EntityManager;

/** The `prev_hash` of the first row. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);
/** The first line of the canonical text; a new canonical form would get a new version. */
const CANONICAL_VERSION = 'takedown-audit-v1';

export interface AuditEntry {
  actor: Actor;
  /** The role the actor acted in; defaults to `actor.role`. */
  role?: string | null;
  /** Dotted, lower case: `notice.submit`, `task.complete`, `workflow.notice.escalated`. */
  action: string;
  target?: { type: string; id: string } | null;
  requestId?: string | null;
  sourceIp?: string | null;
  /** Before/after and the facts of the write. Passed through `auditSummary` whatever the caller did. */
  summary?: Record<string, unknown>;
}

/**
 * Appends one row to the audit trail, in the caller's transaction when `db` is one: the row commits or rolls back
 * with the write it describes. PostgreSQL's chain trigger gives id, time and hashes under a lock that is held to the
 * end of the transaction, so append as the last statement of a transaction (other audited writes wait for it).
 */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<{ id: string; hash: string }> {
  const [row] = (await db.query(
    `INSERT INTO audit_log (${AUDIT_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::inet, $10::jsonb)
     RETURNING id::text AS id, hash`,
    auditValues(entry),
  )) as { id: string; hash: string }[];
  return row;
}

/**
 * Appends several rows in one statement, in the order given (a batch intake's submissions). The chain trigger runs
 * for each row and sees the rows before it in the same statement, so they chain one after the other exactly as if
 * appended one by one.
 */
export async function appendAuditMany(db: Db, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  const values = entries.map(auditValues);
  const column = (n: number) => values.map((v) => v[n]);
  await db.query(
    `INSERT INTO audit_log (${AUDIT_COLUMNS})
     SELECT kind, id, name, role, action, target_type, target_id, request_id, source_ip::inet, summary::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[])
            WITH ORDINALITY AS e(kind, id, name, role, action, target_type, target_id, request_id, source_ip, summary, n)
      ORDER BY n`,
    Array.from({ length: 10 }, (_, n) => column(n)),
  );
}

const AUDIT_COLUMNS =
  'actor_kind, actor_id, actor_name, role, action, target_type, target_id, request_id, source_ip, summary';

/** The values of AUDIT_COLUMNS for one entry, cut to the table's limits. */
function auditValues(entry: AuditEntry): (string | null)[] {
  return [
    entry.actor.kind,
    clip(entry.actor.id, 200),
    clip(entry.actor.name || entry.actor.id, 200),
    entry.role ?? entry.actor.role ?? null,
    auditAction(entry.action),
    entry.target ? clip(entry.target.type, 100) : null,
    entry.target ? clip(entry.target.id, 200) : null,
    entry.requestId ? clip(entry.requestId, 100) : null,
    entry.sourceIp && isIP(entry.sourceIp) ? entry.sourceIp : null,
    JSON.stringify(auditSummary(entry.summary ?? {})),
  ];
}

/** `notice.confirm-removal` → `notice.confirm_removal`: the table takes dotted lower-case words only. */
export function auditAction(action: string): string {
  return action
    .toLowerCase()
    .split('.')
    .map((word) => word.replace(/[^a-z0-9_]/g, '_'))
    .join('.');
}

const SECRET_KEY = /secret|password|passphrase|authorization|cookie|signature|api_?key|^token$/i;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const MAX_TEXT = 500;
const MAX_ITEMS = 50;
// Deep enough that a policy version's timers fit whole (summary › categories › phishing › byNotifier › kind › reminders).
const MAX_DEPTH = 6;

/**
 * What a summary may hold: facts, not evidence. Every URL is cut to scheme and host (a CSAM URL's path identifies the
 * material), values under secret-sounding keys are dropped, long text is cut, deep or long structures are trimmed.
 */
export function auditSummary(summary: Record<string, unknown>): Record<string, unknown> {
  return clean(summary, 0) as Record<string, unknown>;
}

function clean(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string')
    return clip(
      value.replace(URL_IN_TEXT, (url) => redactUrl(url)),
      MAX_TEXT,
    );
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[trimmed]';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => clean(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
      if (v === undefined) continue;
      out[key] = SECRET_KEY.test(key) ? '[redacted]' : clean(v, depth + 1);
    }
    return out;
  }
  return undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A row as the chain sees it: every field as PostgreSQL writes it as text (`summary::text`, `source_ip::text`). */
export interface AuditChainRow {
  id: string;
  at: Date;
  actorKind: ActorKind;
  actorId: string;
  actorName: string;
  role: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  sourceIp: string | null;
  /** The jsonb as PostgreSQL prints it (`summary::text`): deterministic for a stored value. */
  summaryText: string;
  prevHash: string;
}

/**
 * The canonical text of a row (docs/audit.md): a version line, then one line per field in a fixed order, each
 * `<UTF-8 byte length>:<text>` or `-` for NULL, so that no value can be shifted into its neighbour. `at` is UTC with
 * milliseconds (the trigger truncates to that). The trigger in migration 1796010000000 builds the same text.
 */
export function auditCanonical(row: AuditChainRow): string {
  const fields = [
    row.id,
    row.at.toISOString(),
    row.actorKind,
    row.actorId,
    row.actorName,
    row.role,
    row.action,
    row.targetType,
    row.targetId,
    row.requestId,
    row.sourceIp,
    row.summaryText,
    row.prevHash,
  ];
  return (
    CANONICAL_VERSION +
    fields.map((f) => `\n${f === null ? '-' : `${Buffer.byteLength(f, 'utf8')}:${f}`}`).join('')
  );
}

export function auditHash(row: AuditChainRow): string {
  return createHash('sha256').update(auditCanonical(row), 'utf8').digest('hex');
}

export interface AuditBreak {
  /** The first row that does not verify. */
  id: string;
  /**
   * `prev_hash`: the link to the row before is wrong (a row was removed, inserted outside the chain, or the row
   * before was changed and given a new hash); `hash`: the row's own content no longer gives its hash (it was changed).
   */
  field: 'prev_hash' | 'hash';
  expected: string;
  actual: string;
  problem: string;
}

export type AuditVerification =
  | { ok: true; rows: number; lastId: string | null; head: string }
  | { ok: false; rows: number; broken: AuditBreak };

/**
 * Recomputes the whole chain in TypeScript, from the stored fields, in id order, in one snapshot. Trusts no stored
 * hash: each row's `prev_hash` must equal the hash just computed for the row before, and its own content must hash
 * to its `hash`. Stops at the first row that fails, naming it; `rows` counts the rows verified before it.
 */
export async function verifyAuditChain(
  db: DataSource,
  opts: { batchSize?: number; onProgress?: (rows: number) => void } = {},
): Promise<AuditVerification> {
  const batchSize = opts.batchSize ?? 5000;
  return db.transaction('REPEATABLE READ', async (tx) => {
    await tx.query('SET TRANSACTION READ ONLY');
    let expectedPrev = AUDIT_GENESIS_HASH;
    let previousId: string | null = null;
    let rows = 0;
    for (;;) {
      const batch = (await tx.query(
        `SELECT id::text AS id, at, actor_kind, actor_id, actor_name, role, action, target_type, target_id,
                request_id, source_ip::text AS source_ip, summary::text AS summary_text, prev_hash, hash
         FROM audit_log WHERE audit_log.id > $1::bigint ORDER BY audit_log.id LIMIT $2`,
        [previousId ?? '-1', batchSize],
      )) as {
        id: string;
        at: Date;
        actor_kind: ActorKind;
        actor_id: string;
        actor_name: string;
        role: string | null;
        action: string;
        target_type: string | null;
        target_id: string | null;
        request_id: string | null;
        source_ip: string | null;
        summary_text: string;
        prev_hash: string;
        hash: string;
      }[];
      for (const r of batch) {
        if (r.prev_hash !== expectedPrev) {
          return {
            ok: false as const,
            rows,
            broken: {
              id: r.id,
              field: 'prev_hash' as const,
              expected: expectedPrev,
              actual: r.prev_hash,
              problem:
                previousId === null
                  ? `row ${r.id} is the first row but does not start the chain: rows before it were removed, or it was not written by the chain`
                  : `row ${r.id} does not follow row ${previousId}: its prev_hash is not that row's hash (a row between them was removed, this one was inserted outside the chain, or row ${previousId} was changed and re-hashed)`,
            },
          };
        }
        const computed = auditHash({
          id: r.id,
          at: r.at,
          actorKind: r.actor_kind,
          actorId: r.actor_id,
          actorName: r.actor_name,
          role: r.role,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          requestId: r.request_id,
          sourceIp: r.source_ip,
          summaryText: r.summary_text,
          prevHash: r.prev_hash,
        });
        if (computed !== r.hash) {
          return {
            ok: false as const,
            rows,
            broken: {
              id: r.id,
              field: 'hash' as const,
              expected: computed,
              actual: r.hash,
              problem: `row ${r.id} was changed after it was written: its content hashes to ${computed}, its stored hash is ${r.hash}`,
            },
          };
        }
        expectedPrev = r.hash;
        previousId = r.id;
        rows += 1;
      }
      opts.onProgress?.(rows);
      if (batch.length < batchSize)
        return { ok: true as const, rows, lastId: previousId, head: expectedPrev };
    }
  });
}
