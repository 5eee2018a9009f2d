import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompactSign, compactVerify, createLocalJWKSet, type JWK } from 'jose';

/**
 * Report snapshots are signed with Ed25519 (JWS, alg EdDSA) under a key id, so that a copy handed to a court can be
 * checked by anyone holding the public keys (`/.well-known/takedown-keys`), without trusting the database.
 */
export interface ReportKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/** The settings key resolution reads (a subset of the validated Env, so callers pass `env` as it is). */
export interface ReportKeySettings {
  NODE_ENV: 'development' | 'production' | 'test';
  REPORT_SIGNING_KEYS?: string;
  TAKEDOWN_DATA_DIR: string;
}

export const REPORT_KEY_FILE = 'report-signing-keys';
/** `kid:seed[,kid:seed…]`, the seed the 32-byte Ed25519 private key in base64url. The first signs. */
export const REPORT_KEYS_PATTERN = /^[\w.-]+:[A-Za-z0-9_-]{43}(,[\w.-]+:[A-Za-z0-9_-]{43})*$/;

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): node imports private keys from DER, not from a bare seed.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function keyFromSeed(kid: string, seed: Buffer): ReportKey {
  if (seed.length !== 32) throw new Error(`report signing key ${kid}: the seed must be 32 bytes`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const { kty, crv, x } = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return { kid, privateKey, publicJwk: { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' } };
}

export function parseReportKeys(value: string): ReportKey[] {
  if (!REPORT_KEYS_PATTERN.test(value.trim())) {
    throw new Error(
      'REPORT_SIGNING_KEYS must be kid:seed pairs, each seed 32 bytes in base64url (43 characters)',
    );
  }
  return value
    .trim()
    .split(',')
    .map((pair) => {
      const at = pair.indexOf(':');
      return keyFromSeed(pair.slice(0, at), Buffer.from(pair.slice(at + 1), 'base64url'));
    });
}

/** A new `kid:seed` entry, for REPORT_SIGNING_KEYS or the development key file. */
export function newReportKeyEntry(kid: string): string {
  return `${kid}:${randomBytes(32).toString('base64url')}`;
}

/**
 * The configured keys; else, outside production, a key generated once and kept in `<dataDir>/report-signing-keys`
 * (mode 600), so that snapshots signed before a restart still verify. Production must configure its keys: a key
 * generated on one host would be unknown to the next, and lost with its disk.
 */
export function resolveReportKeys(env: ReportKeySettings, dataDir = env.TAKEDOWN_DATA_DIR): ReportKey[] {
  if (env.REPORT_SIGNING_KEYS) return parseReportKeys(env.REPORT_SIGNING_KEYS);
  if (env.NODE_ENV === 'production') {
    throw new Error('REPORT_SIGNING_KEYS is not set: production needs Ed25519 keys to sign report snapshots');
  }
  const file = path.resolve(dataDir, REPORT_KEY_FILE);
  try {
    return parseReportKeys(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${newReportKeyEntry('local')}\n`, { mode: 0o600 });
  try {
    // link() fails if the file exists: when two processes start together, one key wins and both read it.
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return parseReportKeys(fs.readFileSync(file, 'utf8'));
}

/** The public keys as a JWK Set: every configured key, so that snapshots signed before a rotation still verify. */
export function reportJwks(keys: ReportKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** What a snapshot's signature covers: the digests of its JSON and of its PDF, and which snapshot it is. */
export interface SnapshotSignaturePayload {
  format: 'takedown.report-signature';
  version: 1;
  snapshotId: string;
  kind: string;
  subjectId: string;
  /** SHA-256 over the canonical JSON of the report (its `digest`). */
  jsonSha256: string;
  /** SHA-256 over the PDF's bytes up to its signature line. */
  pdfSha256: string;
  signedAt: string;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export async function signSnapshot(key: ReportKey, payload: SnapshotSignaturePayload): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'takedown-report+jws' })
    .sign(key.privateKey);
}

export type SignatureCheck =
  { ok: true; kid: string; payload: SnapshotSignaturePayload } | { ok: false; problem: string };

/** Checks a snapshot's JWS against a JWK Set; the key is the one the JWS names. */
export async function verifySnapshotSignature(jws: string, jwks: { keys: JWK[] }): Promise<SignatureCheck> {
  // base64url's last character may carry unused bits that decoders ignore: only the canonical encoding is taken,
  // so that no changed character of a signed file can still verify.
  const segments = jws.split('.');
  if (
    segments.length !== 3 ||
    segments.some((s) => Buffer.from(s, 'base64url').toString('base64url') !== s)
  ) {
    return { ok: false, problem: 'the signature is malformed (not a compact JWS in canonical base64url)' };
  }
  try {
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks), {
      algorithms: ['EdDSA'],
    });
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as SnapshotSignaturePayload;
    if (parsed.format !== 'takedown.report-signature') {
      return { ok: false, problem: 'the signature is not a Takedown report signature' };
    }
    return { ok: true, kid: String(protectedHeader.kid), payload: parsed };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return {
      ok: false,
      problem:
        code === 'ERR_JWKS_NO_MATCHING_KEY'
          ? 'no key in the key set matches the signature’s key id'
          : code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
            ? 'the signature does not verify: the signed digests were changed'
            : `the signature is malformed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

/**
 * The PDF carries its snapshot's JWS as a comment line after its last `%%EOF`, where PDF readers look no further:
 * the signature covers the bytes before that line, so one PDF file verifies on its own.
 */
const PDF_SIGNATURE_PREFIX = '%TAKEDOWN-JWS ';

/** The bytes of a rendered PDF that its signature covers: the PDF, ended by a newline for the line after it. */
export function pdfSignedBytes(pdf: Buffer): Buffer {
  return pdf.at(-1) === 0x0a ? pdf : Buffer.concat([pdf, Buffer.from('\n')]);
}

export function withPdfSignature(signedBytes: Buffer, jws: string): Buffer {
  return Buffer.concat([signedBytes, Buffer.from(`${PDF_SIGNATURE_PREFIX}${jws}\n`, 'latin1')]);
}

/** The PDF's signed bytes and its JWS, or null when it carries none. */
export function splitPdfSignature(file: Buffer): { signed: Buffer; jws: string } | null {
  const at = file.lastIndexOf(Buffer.from(`\n${PDF_SIGNATURE_PREFIX}`, 'latin1'));
  if (at < 0) return null;
  const line = file.subarray(at + 1).toString('latin1');
  const jws = line.slice(PDF_SIGNATURE_PREFIX.length).replace(/\n$/, '');
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jws)) return null;
  return { signed: file.subarray(0, at + 1), jws };
}
