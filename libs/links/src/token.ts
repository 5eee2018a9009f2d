import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a link acts on: a notice (the customer's answer) or a task (one of its outcomes). */
export interface LinkTarget {
  t: 'notice' | 'task';
  id: string;
  action: string;
}

/** A verified link: its target, its one-time id and when it expires. */
export interface LinkClaims extends LinkTarget {
  /** Random id of this link; recording it makes the link single-use. */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Which key signed it. */
  kid: string;
}

/** A signing key; the first of a list signs, every one verifies (rotation). */
export interface LinkKey {
  kid: string;
  secret: Buffer;
}

export type LinkErrorCode = 'LINK.INVALID' | 'LINK.EXPIRED' | 'LINK.UNKNOWN_KEY';

export class LinkError extends Error {
  override name = 'LinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Malformed, or the signature does not match: tampered with or never ours. */
export class InvalidLinkError extends LinkError {
  override name = 'InvalidLinkError';
  constructor(message = 'the link is not valid') {
    super('LINK.INVALID', message);
  }
}

export class ExpiredLinkError extends LinkError {
  override name = 'ExpiredLinkError';
  constructor(readonly expiredAt: Date) {
    super('LINK.EXPIRED', `the link expired at ${expiredAt.toISOString()}`);
  }
}

/** Signed with a key that is not (or no longer) configured. */
export class UnknownLinkKeyError extends LinkError {
  override name = 'UnknownLinkKeyError';
  constructor(readonly kid: string) {
    super('LINK.UNKNOWN_KEY', `the link was signed with key "${kid}", which is not in use`);
  }
}

/** Ours are about 200 characters; anything much longer is not worth parsing. */
const MAX_TOKEN_LENGTH = 1024;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/**
 * `base64url(JSON claims).base64url(HMAC-SHA256(key, first part))`: short enough for an email line, readable by
 * anyone (it holds no secret), changeable by nobody without the key.
 */
export function signLink(
  keys: readonly LinkKey[],
  target: LinkTarget,
  ttlMs: number,
  now = Date.now(),
): string {
  const key = keys[0];
  if (!key) throw new Error('no link signing key configured');
  const claims: LinkClaims = {
    t: target.t,
    id: target.id,
    action: target.action,
    jti: randomBytes(16).toString('base64url'),
    exp: Math.floor((now + ttlMs) / 1000),
    kid: key.kid,
  };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** Checks the signature with the key the link names, then its expiry; throws a LinkError subclass. */
export function verifyLink(keys: readonly LinkKey[], token: string, now = Date.now()): LinkClaims {
  const parts = token.length <= MAX_TOKEN_LENGTH ? TOKEN_PATTERN.exec(token) : null;
  if (!parts) throw new InvalidLinkError();
  const [, body, signature] = parts;
  const claims = parseClaims(body);
  const key = keys.find((k) => k.kid === claims.kid);
  if (!key) throw new UnknownLinkKeyError(claims.kid);
  // Compared as text: decoding first would accept variants of the last character that differ in unused bits.
  const expected = Buffer.from(mac(key, body).toString('base64url'));
  if (!timingSafeEqual(expected, Buffer.from(signature))) throw new InvalidLinkError();
  if (claims.exp * 1000 <= now) throw new ExpiredLinkError(new Date(claims.exp * 1000));
  return claims;
}

/** Where a link is followed: `GET` shows what it does, `POST` does it. */
export function linkUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/links/${token}`;
}

function mac(key: LinkKey, body: string): Buffer {
  return createHmac('sha256', key.secret).update(body).digest();
}

function parseClaims(body: string): LinkClaims {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidLinkError();
  }
  const c = parsed as Partial<Record<keyof LinkClaims, unknown>>;
  const wellFormed =
    typeof parsed === 'object' &&
    parsed !== null &&
    (c.t === 'notice' || c.t === 'task') &&
    typeof c.id === 'string' &&
    typeof c.action === 'string' &&
    typeof c.jti === 'string' &&
    typeof c.kid === 'string' &&
    Number.isSafeInteger(c.exp);
  if (!wellFormed) throw new InvalidLinkError();
  return parsed as LinkClaims;
}
