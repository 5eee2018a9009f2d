import type { DataSource, EntityManager } from 'typeorm';
import {
  actorLabel,
  DomainError,
  parsePolicyCategories,
  type Actor,
  type PolicyProblem,
} from '@takedown/domain';
import { appendAudit } from './audit-log';
import { PolicyEntity } from './entities/policy.entity';

type Db = DataSource | EntityManager;

/** A profile id as contracts name it: lower case, digits, `-` and `_`. */
export const POLICY_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * How far in the past a new version's `effectiveFrom` may lie: a client's clock and ours differ a little. Further
 * back is refused: notices received since then were pinned to the version in force then, and the history would say
 * otherwise.
 */
export const POLICY_CLOCK_SKEW_MS = 5 * 60_000;

export interface NewPolicyVersion {
  /** The profile (a contract's `policyProfile`); a new id starts a new profile at version 1. */
  id: string;
  /** As given: checked by `parsePolicyCategories`. */
  categories: unknown;
  /** Default: now. */
  effectiveFrom?: Date | null;
}

/** Who writes, for `created_by` and the audit row. */
export interface PolicyWriter {
  actor: Actor;
  role?: string | null;
  requestId?: string | null;
  sourceIp?: string | null;
}

export interface PolicyProfile {
  id: string;
  /** The version in force at the time asked about; null when every version is still to come. */
  inForce: PolicyEntity | null;
  /** Oldest first. */
  versions: PolicyEntity[];
}

/**
 * When a version takes effect, in milliseconds: the first versions the migrations seeded are in force since
 * `-infinity`, which the driver gives as a number, not a Date.
 */
export function effectiveMs(policy: Pick<PolicyEntity, 'effectiveFrom'>): number {
  const at = policy.effectiveFrom as Date | number;
  return at instanceof Date ? at.getTime() : at;
}

/** `effectiveFrom` for people and JSON: null for a version in force since the beginning. */
export function effectiveFromText(policy: Pick<PolicyEntity, 'effectiveFrom'>): string | null {
  const ms = effectiveMs(policy);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * The version of `profile` in force at `at`: the newest that had taken effect by then (versions take effect in
 * order, `createPolicyVersion` keeps it so), else that of `fallback` when given. The rule the worker pins a notice's
 * policy by, at its receipt.
 */
export async function policyInForce(
  db: Db,
  profile: string,
  at: Date,
  fallback?: string,
): Promise<PolicyEntity | null> {
  for (const id of fallback && fallback !== profile ? [profile, fallback] : [profile]) {
    const policy = await db
      .getRepository(PolicyEntity)
      .createQueryBuilder('p')
      .where('p.id = :id AND p.effective_from <= :at', { id, at })
      .orderBy('p.version', 'DESC')
      .getOne();
    if (policy) return policy;
  }
  return null;
}

/** Every profile (or the one named) with its versions and the one in force at `at`, by id. */
export async function policyProfiles(db: Db, at = new Date(), id?: string): Promise<PolicyProfile[]> {
  const rows = await db
    .getRepository(PolicyEntity)
    .find({ where: id === undefined ? {} : { id }, order: { id: 'ASC', version: 'ASC' } });
  const profiles = new Map<string, PolicyProfile>();
  for (const row of rows) {
    const profile = profiles.get(row.id) ?? { id: row.id, inForce: null, versions: [] };
    profile.versions.push(row);
    if (effectiveMs(row) <= at.getTime()) profile.inForce = row;
    profiles.set(row.id, profile);
  }
  return [...profiles.values()];
}

export function policyNotFound(id: string, version?: number | 'current'): DomainError {
  if (version === undefined) return new DomainError('POLICY.NOT_FOUND', `no policy ${id}`, 'id');
  return new DomainError(
    'POLICY.NOT_FOUND',
    version === 'current'
      ? `no version of policy ${id} is in force yet`
      : `policy ${id} has no version ${version}`,
    'version',
  );
}

/**
 * Adds the next version of a profile: the one write path of the API and the CLI. Everything is checked before
 * anything is stored, and every problem comes back at once (`POLICY.INVALID` with `fields`): the id, each timer by
 * its path, and `effectiveFrom`, which may not lie before the latest version's (the history stays a line, so the
 * version in force at any time is the newest that had taken effect) nor in the past. Stored with its author and
 * audited in the same transaction; a per-profile lock keeps two writers from taking the same version number.
 */
export async function createPolicyVersion(
  db: DataSource,
  input: NewPolicyVersion,
  writer: PolicyWriter,
): Promise<PolicyEntity> {
  const problems: PolicyProblem[] = [];
  const idOk = typeof input.id === 'string' && POLICY_ID_PATTERN.test(input.id);
  if (!idOk) {
    problems.push({
      field: 'id',
      problems: ['must be 1 to 63 lower-case letters, digits, "-" or "_", starting with a letter or digit'],
    });
  }
  const parsed = parsePolicyCategories(input.categories);
  if (!parsed.ok) problems.push(...parsed.problems);
  return db.transaction(async (tx) => {
    let latest: PolicyEntity | null = null;
    if (idOk) {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('policies:' || $1))`, [input.id]);
      latest = await tx.getRepository(PolicyEntity).findOne({
        where: { id: input.id },
        order: { version: 'DESC' },
      });
    }
    // Read after the lock: "now" of a writer that waited is after the effective time of the one it waited for.
    const now = new Date();
    const given = input.effectiveFrom ?? now;
    // Within the clock skew, a time just past means now: no version is said to be in force before it existed.
    const effectiveFrom = new Date(Math.max(given.getTime(), now.getTime()));
    if (Number.isNaN(given.getTime())) {
      problems.push({ field: 'effectiveFrom', problems: ['must be a date and time'] });
    } else if (given.getTime() < now.getTime() - POLICY_CLOCK_SKEW_MS) {
      problems.push({
        field: 'effectiveFrom',
        problems: [
          'may not be in the past: notices received since then are pinned to the version that was in force',
        ],
      });
    } else if (latest && effectiveFrom.getTime() < effectiveMs(latest)) {
      problems.push({
        field: 'effectiveFrom',
        problems: [
          `may not be before ${effectiveFromText(latest)}, when version ${latest.version} takes effect ` +
            '(versions take effect in order)',
        ],
      });
    }
    if (problems.length || !parsed.ok) throw invalid(problems);
    const row = tx.getRepository(PolicyEntity).create({
      id: input.id,
      version: (latest?.version ?? 0) + 1,
      categories: parsed.categories,
      effectiveFrom,
      createdAt: now,
      createdBy: actorLabel(writer.actor),
    });
    await tx.getRepository(PolicyEntity).insert(row);
    await appendAudit(tx, {
      actor: writer.actor,
      role: writer.role,
      requestId: writer.requestId,
      sourceIp: writer.sourceIp,
      action: 'policy.create',
      target: { type: 'policy', id: row.id },
      summary: {
        version: row.version,
        previousVersion: latest?.version ?? null,
        effectiveFrom: row.effectiveFrom,
        categories: row.categories,
      },
    });
    return row;
  });
}

function invalid(problems: PolicyProblem[]): DomainError {
  return new DomainError(
    'POLICY.INVALID',
    problems.map((p) => `${p.field}: ${p.problems.join(', ')}`).join('; '),
    problems[0]?.field,
    problems,
  );
}
