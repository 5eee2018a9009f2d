import { AsyncLocalStorage } from 'node:async_hooks';
import * as os from 'node:os';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor, Principal } from '@takedown/domain';
import { appendAuditMany, type AuditEntry } from './audit-log';

/** Who is writing, for the rows a request (or a CLI run, or the SMTP listener) appends. */
export interface AuditContext {
  actor: Actor;
  role: string | null;
  requestId: string | null;
  sourceIp: string | null;
  /** Rows appended so far: the interceptor appends its own row only for a write nothing else described. */
  recorded: number;
}

/** A request without a principal (the auth guard let it through as public, or no guard ran). */
export const ANONYMOUS: Actor = { kind: 'system', id: 'anonymous', name: 'anonymous' };

const storage = new AsyncLocalStorage<AuditContext>();

/** Runs `fn` with `who` as the writer of every audit row appended inside it (through `recordAudit`). */
export function runAudited<T>(who: Omit<AuditContext, 'recorded'> & { recorded?: number }, fn: () => T): T {
  return storage.run(who.recorded === undefined ? { ...who, recorded: 0 } : (who as AuditContext), fn);
}

export function currentAudit(): AuditContext | undefined {
  return storage.getStore();
}

/** A signed link is its own credential: from here on the request writes as the link's recipient. */
export function actAs(actor: Actor, role: string | null = actor.role ?? null): void {
  const ctx = storage.getStore();
  if (!ctx) return;
  ctx.actor = actor;
  ctx.role = role;
}

/**
 * Appends a row as the current writer (ANONYMOUS outside any context). Pass the transaction of the write it
 * describes, and call it last in that transaction: the chain lock is held until commit.
 */
export async function recordAudit(
  db: DataSource | EntityManager,
  entry: Pick<AuditEntry, 'action' | 'target' | 'summary'>,
): Promise<void> {
  await recordAudits(db, [entry]);
}

/** Several rows as the current writer, in one statement (in order; the same rule: last in the transaction). */
export async function recordAudits(
  db: DataSource | EntityManager,
  entries: Pick<AuditEntry, 'action' | 'target' | 'summary'>[],
): Promise<void> {
  const ctx = storage.getStore();
  const who = {
    actor: ctx?.actor ?? ANONYMOUS,
    role: ctx?.role ?? null,
    requestId: ctx?.requestId ?? null,
    sourceIp: ctx?.sourceIp ?? null,
  };
  await appendAuditMany(
    db,
    entries.map((entry) => ({ ...who, ...entry })),
  );
  if (ctx) ctx.recorded += entries.length;
}

/** The role a principal acts in: the actor's own, else its roles (a token has one; an OIDC user may have several). */
export function principalRole(principal: Principal | undefined): string | null {
  if (!principal) return null;
  return principal.actor.role ?? (principal.roles.length ? [...principal.roles].sort().join(',') : null);
}

/** The CLI writes as the operating-system user that runs it. */
export function cliActor(command: string): Actor {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (a container with an arbitrary uid).
    user = process.env.USER ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return { kind: 'cli', id: user, name: `takedown ${command}` };
}
