import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, actorLabel, type Principal } from '@takedown/domain';
import type { PersonView } from './people.dto';

/** How often one OIDC subject's `last_seen_at` is written at most, per API process. */
const SEEN_EVERY_MS = 5 * 60_000;

/**
 * The people work can be assigned to: the staff's API tokens (a source's token is an integration, not a person) and
 * the OIDC subjects the API has seen. A person is named by its subject as the audit trail writes actors
 * (`token:<id>`, `oidc:<sub>`), so that "assigned to me" is the caller's own actor label.
 */
const PEOPLE = `
  SELECT 'token:' || t.id AS subject, t.name, t.role, 'token' AS kind, t.last_used_at AS last_seen_at
    FROM api_tokens t
   WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND t.role <> 'source'
  UNION ALL
  SELECT p.subject, p.name, p.role, 'oidc' AS kind, p.last_seen_at FROM people_seen p`;

interface PersonRow {
  subject: string;
  name: string;
  role: string | null;
  kind: 'token' | 'oidc';
  last_seen_at: Date | null;
}

@Injectable()
export class PeopleService {
  private readonly seenAt = new Map<string, number>();

  constructor(private readonly db: DataSource) {}

  async list(): Promise<PersonView[]> {
    const rows = (await this.db.query(
      `SELECT * FROM (${PEOPLE}) people ORDER BY lower(name), subject`,
    )) as PersonRow[];
    return rows.map(view);
  }

  /** The person a subject names; 400 naming `field` when nobody is known by it. */
  async find(subject: string, field = 'assignee', db: EntityManager = this.db.manager): Promise<PersonView> {
    const [row] = (await db.query(`SELECT * FROM (${PEOPLE}) people WHERE subject = $1`, [
      subject,
    ])) as PersonRow[];
    if (!row) throw new DomainError('PERSON.UNKNOWN', `${field}: no person is known as ${subject}`, field);
    return view(row);
  }

  /** Remembers an OIDC subject that called the API, so that work can be assigned to it (at most every few minutes). */
  async seen(principal: Principal): Promise<void> {
    if (principal.actor.kind !== 'oidc') return;
    const subject = actorLabel(principal.actor);
    const now = Date.now();
    if (now - (this.seenAt.get(subject) ?? 0) < SEEN_EVERY_MS) return;
    this.seenAt.set(subject, now);
    await this.db.query(
      `INSERT INTO people_seen (subject, name, role) VALUES ($1, $2, $3)
       ON CONFLICT (subject) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, last_seen_at = now()`,
      [subject, principal.actor.name, principal.actor.role ?? principal.roles[0] ?? null],
    );
  }
}

function view(r: PersonRow): PersonView {
  return {
    subject: r.subject,
    name: r.name,
    role: r.role,
    kind: r.kind,
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
  };
}
