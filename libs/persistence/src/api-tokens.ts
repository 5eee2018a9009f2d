import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, isRole, ROLES, SOURCE_KINDS, type Role } from '@takedown/domain';
import { appendAudit } from './audit-log';
import { ApiTokenEntity } from './entities/api-token.entity';

/**
 * API tokens: `td_<id>_<secret>`. The prefix makes a leaked token recognisable (secret scanners, logs); the id
 * finds the row by primary key; only the SHA-256 of the 256-bit secret is stored, so a database dump does not
 * let anyone in. A random secret of that size needs no slow hash: there is nothing to guess.
 */
export const API_TOKEN_PREFIX = 'td_';
const TOKEN_PATTERN = /^td_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

type Db = DataSource | EntityManager;

export interface NewApiToken {
  name: string;
  role: string;
  /** Required for `account_manager`, refused for other roles. */
  accountManagerEmail?: string | null;
  /**
   * Required for `source`, refused for other roles. A trusted flagger's needs its designation (DSA Art. 22): the
   * reference and the Digital Services Coordinator that gave it; other kinds have none.
   */
  source?: {
    kind: string;
    name: string;
    designationReference?: string;
    designatingAuthority?: string;
  } | null;
  /** Required for `customer`, refused for other roles. */
  customerId?: string | null;
  /** A customer's admin contact (customer tokens only): may make tokens for its own customer. */
  customerAdmin?: boolean;
  expiresAt?: Date | null;
  /** An actor label: `cli:<user>`, `token:<id>`, `system:bootstrap`. */
  createdBy: string;
}

export interface IssuedApiToken {
  /** The token itself: shown once, never stored. */
  token: string;
  record: ApiTokenEntity;
}

export type ApiTokenCheck =
  | { ok: true; record: ApiTokenEntity }
  | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'revoked' };

export async function createApiToken(db: Db, input: NewApiToken, now = new Date()): Promise<IssuedApiToken> {
  const fields = validate(input, now);
  if (fields.customerId) {
    const [found] = (await db.query(`SELECT 1 FROM customers WHERE id = $1`, [
      fields.customerId,
    ])) as unknown[];
    if (!found)
      throw new DomainError('TOKEN.INVALID', `customer ${fields.customerId} does not exist`, 'customerId');
  }
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const record = db.getRepository(ApiTokenEntity).create({
    id,
    ...fields,
    secretHash: hashSecret(secret),
    createdBy: input.createdBy,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  });
  await db.getRepository(ApiTokenEntity).insert(record);
  return { token: `${API_TOKEN_PREFIX}${id.replace(/-/g, '')}_${secret}`, record };
}

/**
 * Creates the first admin token when there is no token at all, so that a fresh installation can be used at once;
 * null when tokens exist. It expires (an admin key nobody remembers making must not stay valid for ever), and its
 * making is audited like any other token's. The advisory lock keeps two starts from both creating one.
 */
export async function createBootstrapAdminToken(
  db: DataSource,
  expiresAt: Date,
): Promise<IssuedApiToken | null> {
  return db.transaction(async (em) => {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('api_tokens_bootstrap'))`);
    const [{ any }] = (await em.query(`SELECT EXISTS (SELECT 1 FROM api_tokens) AS any`)) as {
      any: boolean;
    }[];
    if (any) return null;
    const issued = await createApiToken(em, {
      name: BOOTSTRAP_TOKEN_NAME,
      role: 'admin',
      expiresAt,
      createdBy: BOOTSTRAP_CREATED_BY,
    });
    await appendAudit(em, {
      actor: { kind: 'system', id: 'bootstrap', name: 'npm start' },
      action: 'token.create',
      target: { type: 'api_token', id: issued.record.id },
      summary: { name: BOOTSTRAP_TOKEN_NAME, role: 'admin', expiresAt: expiresAt.toISOString() },
    });
    return issued;
  });
}

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';
export const BOOTSTRAP_CREATED_BY = 'system:bootstrap';

/** Finds and checks the token a request presented; the secret is compared in constant time. */
export async function checkApiToken(db: Db, token: string, now = new Date()): Promise<ApiTokenCheck> {
  return checkApiTokenWith(token, now, (id) => loadApiToken(db, id));
}

/** The channel on which the database announces a change to a token that matters for access (its id). */
export const API_TOKEN_CHANGED_CHANNEL = 'api_token_changed';

/**
 * `checkApiToken` with the token's row read by `load` (the database, or a cache of rows in front of it): the
 * secret, revocation and expiry are checked on every use whatever the row's source.
 */
export async function checkApiTokenWith(
  token: string,
  now: Date,
  load: (id: string) => Promise<ApiTokenEntity | null>,
): Promise<ApiTokenCheck> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const id = match[1].replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const record = await load(id);
  if (!record || !timingSafeEqual(record.secretHash, hashSecret(match[2]))) {
    return { ok: false, reason: 'unknown' };
  }
  if (record.revokedAt) return { ok: false, reason: 'revoked' };
  if (record.expiresAt && record.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, record };
}

/** A token's row with its secret's hash, by id. */
export function loadApiToken(db: Db, id: string): Promise<ApiTokenEntity | null> {
  return db
    .getRepository(ApiTokenEntity)
    .createQueryBuilder('t')
    .addSelect('t.secretHash')
    .where('t.id = :id', { id })
    .getOne();
}

/**
 * Records that a token was used. At most one write per token per minute: a busy integration must not turn every
 * request into an UPDATE of the same row.
 */
export async function touchApiToken(db: Db, id: string, now = new Date()): Promise<void> {
  await db.query(
    `UPDATE api_tokens SET last_used_at = $2
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
    [id, now],
  );
}

export function listApiTokens(db: Db): Promise<ApiTokenEntity[]> {
  return db.getRepository(ApiTokenEntity).find({ order: { createdAt: 'DESC', id: 'ASC' } });
}

/** Revokes a token; revoking a revoked token keeps the first time. */
export async function revokeApiToken(db: Db, id: string, now = new Date()): Promise<ApiTokenEntity> {
  const repo = db.getRepository(ApiTokenEntity);
  const found = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findOneBy({ id }) : null;
  if (!found) throw new DomainError('TOKEN.NOT_FOUND', `no token ${id}`, 'id');
  if (!found.revokedAt) {
    await repo.update({ id }, { revokedAt: now });
    found.revokedAt = now;
  }
  return found;
}

/** A trusted flagger token's designation, both parts required; refused for any other kind of source. */
function tokenDesignation(
  kind: string,
  given: { designationReference?: string; designatingAuthority?: string },
): { designationReference: string; designatingAuthority: string } | null {
  const designationReference = given.designationReference?.trim() ?? '';
  const designatingAuthority = given.designatingAuthority?.trim() ?? '';
  if (kind !== 'trusted_flagger') {
    if (designationReference || designatingAuthority) {
      throw new DomainError(
        'TOKEN.INVALID',
        'only a trusted_flagger source has a designation',
        designationReference ? 'source.designationReference' : 'source.designatingAuthority',
      );
    }
    return null;
  }
  for (const [field, value] of [
    ['designationReference', designationReference],
    ['designatingAuthority', designatingAuthority],
  ] as const) {
    if (!value || value.length > 200) {
      throw new DomainError(
        'TOKEN.INVALID',
        `a trusted flagger token needs its ${field === 'designationReference' ? 'designation reference' : 'designating authority (the Digital Services Coordinator)'} (1 to 200 characters)`,
        `source.${field}`,
      );
    }
  }
  return { designationReference, designatingAuthority };
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function validate(
  input: NewApiToken,
  now: Date,
): Pick<
  ApiTokenEntity,
  | 'name'
  | 'role'
  | 'accountManagerEmail'
  | 'sourceKind'
  | 'sourceName'
  | 'sourceDesignationReference'
  | 'sourceDesignatingAuthority'
  | 'customerId'
  | 'customerAdmin'
  | 'expiresAt'
> {
  const name = input.name.trim();
  if (!name || name.length > 200)
    throw new DomainError('TOKEN.INVALID', 'a name of 1 to 200 characters', 'name');
  if (!isRole(input.role)) {
    throw new DomainError(
      'TOKEN.INVALID',
      `"${input.role}" is not a role; one of ${ROLES.join(', ')}`,
      'role',
    );
  }
  const role: Role = input.role;
  const email = input.accountManagerEmail?.trim().toLowerCase() || null;
  if ((role === 'account_manager') !== !!email) {
    throw new DomainError(
      'TOKEN.INVALID',
      role === 'account_manager'
        ? 'an account manager token needs the account manager’s email address'
        : 'only an account_manager token has an account manager address',
      'accountManagerEmail',
    );
  }
  if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new DomainError(
      'TOKEN.INVALID',
      'accountManagerEmail: not an email address',
      'accountManagerEmail',
    );
  }
  const source = input.source ? { kind: input.source.kind.trim(), name: input.source.name.trim() } : null;
  if ((role === 'source') !== !!(source?.kind && source.name)) {
    throw new DomainError(
      'TOKEN.INVALID',
      role === 'source'
        ? 'a source token needs the source’s kind and name (as its notices carry them)'
        : 'only a source token has a source',
      'source',
    );
  }
  if (source && !(SOURCE_KINDS as readonly string[]).includes(source.kind)) {
    throw new DomainError(
      'TOKEN.INVALID',
      `"${source.kind}" is not a source kind; one of ${SOURCE_KINDS.join(', ')}`,
      'source.kind',
    );
  }
  const designation = source && tokenDesignation(source.kind, input.source ?? {});
  const customerId = input.customerId?.trim().toLowerCase() || null;
  if ((role === 'customer') !== !!customerId) {
    throw new DomainError(
      'TOKEN.INVALID',
      role === 'customer'
        ? 'a customer token needs the id of its customer'
        : 'only a customer token has a customer',
      'customerId',
    );
  }
  if (customerId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(customerId)) {
    throw new DomainError('TOKEN.INVALID', 'customerId: not a customer id (a UUID)', 'customerId');
  }
  if (input.customerAdmin && role !== 'customer') {
    throw new DomainError(
      'TOKEN.INVALID',
      'only a customer token can be a customer admin token',
      'customerAdmin',
    );
  }
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && !(expiresAt > now)) {
    throw new DomainError('TOKEN.INVALID', 'the expiry must be in the future', 'expiresAt');
  }
  return {
    name,
    role,
    accountManagerEmail: email,
    sourceKind: source?.kind ?? null,
    sourceName: source?.name ?? null,
    sourceDesignationReference: designation?.designationReference ?? null,
    sourceDesignatingAuthority: designation?.designatingAuthority ?? null,
    customerId,
    customerAdmin: !!input.customerAdmin,
    expiresAt,
  };
}
