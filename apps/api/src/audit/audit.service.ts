import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditEntryView, AuditPage, AuditQuery } from './audit.dto';

interface AuditRow {
  id: string;
  at: Date;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  source_ip: string | null;
  summary: Record<string, unknown>;
  hash: string;
  prev_hash: string;
}

const ACTOR_KINDS = ['token', 'oidc', 'link', 'cli', 'workflow', 'system'];

/** Reads the audit trail, newest first. It is never written here: see recordAudit and the AuditInterceptor. */
@Injectable()
export class AuditService {
  constructor(private readonly db: DataSource) {}

  async list(q: AuditQuery): Promise<AuditPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) =>
      where.push(sql.replace(/\?/g, () => `$${params.push(values.shift())}`));
    if (q.target) {
      const [type, id] = splitPair(q.target);
      if (type) add('target_type = ? AND target_id = ?', type, id);
      else add('target_id = ?', id);
    }
    if (q.actor) {
      const [kind, id] = splitPair(q.actor);
      if (kind && ACTOR_KINDS.includes(kind)) add('actor_kind = ? AND actor_id = ?', kind, id);
      else add('actor_id = ?', q.actor);
    }
    if (q.action) {
      if (q.action.endsWith('.*')) add(`action LIKE ?`, `${q.action.slice(0, -1).replace(/_/g, '\\_')}%`);
      else add('action = ?', q.action);
    }
    // As instants: PostgreSQL refuses some offsets ISO 8601 allows (+18:05), which would be a 500 (found by fuzzing).
    if (q.from) add('at >= ?::timestamptz', new Date(q.from));
    if (q.to) add('at < ?::timestamptz', new Date(q.to));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, [{ total }]] = await Promise.all([
      this.db.query(
        `SELECT id::text AS id, at, actor_kind, actor_id, actor_name, role, action, target_type, target_id,
                request_id, host(source_ip) AS source_ip, summary, hash, prev_hash
         FROM audit_log ${filter} ORDER BY audit_log.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ) as Promise<AuditRow[]>,
      this.db.query(`SELECT count(*)::int AS total FROM audit_log ${filter}`, params) as Promise<
        { total: number }[]
      >,
    ]);
    return { items: rows.map(view), total, limit, offset };
  }
}

/** `notice:1234` → ['notice', '1234']; an id alone (a UUID has no colon) → [null, id]. */
function splitPair(value: string): [string | null, string] {
  const at = value.indexOf(':');
  return at > 0 ? [value.slice(0, at), value.slice(at + 1)] : [null, value];
}

function view(r: AuditRow): AuditEntryView {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    role: r.role,
    action: r.action,
    target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
    requestId: r.request_id,
    sourceIp: r.source_ip,
    summary: r.summary,
    hash: r.hash,
    prevHash: r.prev_hash,
  };
}
