import { createHash } from 'node:crypto';
import { parseAnonymisedUrl, pathHash, type UrlHashKey } from '@takedown/domain';

/**
 * The termination report for legal (DOMAIN.md): everything a judge may ask about a case, and nothing of the reported
 * material. URLs appear only as host + SHA-256 of path and query, so a copy can be matched against the notice
 * without showing it. The digest is SHA-256 over the canonical JSON of everything but the digest and the signature.
 * Version 2: each report is a stored snapshot (`snapshotId`), signed; version 1 reports were made on every download.
 */
export interface TerminationReport {
  format: 'takedown.termination-report';
  version: 2;
  /** The stored snapshot this report is (GET /v1/terminations/:id/reports/:snapshotId.json). */
  snapshotId: string;
  generatedAt: string;
  case: {
    id: string;
    status: string;
    openedBy: string;
    reason: string;
    openedAt: string;
    effectiveAt: string | null;
    closedAt: string | null;
  };
  customer: {
    id: string;
    reference: string;
    name: string;
    contractType: string;
    status: string;
    language: string;
  };
  contract: {
    startsOn: string;
    noticePeriodDays: number;
    immediateTerminationForIllegalContent: boolean;
    policyProfile: string;
  } | null;
  summary: {
    notices: number;
    deadlinesMet: number;
    deadlinesMissed: number;
    open: number;
    byOutcome: Record<string, number>;
    medianTimeToRemovalSeconds: number | null;
  };
  standing: {
    level: string;
    history: {
      at: string;
      type: string;
      actor: string;
      reason: string | null;
      level: string;
      previousLevel: string;
    }[];
  };
  notices: ReportNotice[];
  timeline: { at: string; type: string; actor: string; reason: string | null }[];
  decisions: { at: string; by: string; decision: string; why: string | null; subject: string }[];
  /** The statements of reasons (DSA Art. 17) the customer received for this case, each a signed snapshot. */
  statementsOfReasons: { snapshotId: string; issuedAt: string; digest: string }[];
  /** The customer's appeals and how they were decided; absent in snapshots made before appeals existed. */
  appeals?: ReportAppeal[];
}

export interface ReportAppeal {
  id: string;
  kind: string;
  /** `notice 1a2b3c4d` or `case 1a2b3c4d`. */
  subject: string;
  filedAt: string;
  reason: string;
  decidedBy: string;
  status: string;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reviewReason: string | null;
}

export interface ReportNotice {
  id: string;
  category: string;
  source: { kind: string; name: string };
  /**
   * `host` and the keyed hash of path + query (`hmac:<kid>:<hex>`, or `sha256:<hex>` for a URL anonymised before
   * keys): never the URL itself. Reports signed before keys hold `pathSha256` instead, and still verify.
   */
  urls: RedactedUrl[];
  receivedAt: string;
  notifiedAt: string | null;
  remindedAt: string[];
  escalatedAt: string | null;
  removedAt: string | null;
  closedAt: string | null;
  deadline: string | null;
  deadlineMet: boolean | null;
  outcome: string | null;
  timeToRemovalSeconds: number | null;
  customerAnswers: { at: string; type: string; by: string; reason: string | null }[];
}

export interface SignedTerminationReport extends TerminationReport {
  digest: { algorithm: 'sha256'; value: string };
  /** Ed25519 JWS over the digests of this JSON and of the snapshot's PDF (libs/reports/src/signing.ts). */
  signature: { alg: 'EdDSA'; kid: string; jws: string };
}

/** A report digested, before it is signed. */
export type DigestedTerminationReport = Omit<SignedTerminationReport, 'signature'>;

export interface RedactedUrl {
  host: string;
  pathHash: string;
}

/**
 * A URL as the report may show it: the host, and the keyed hash of the part that identifies the material. A URL that
 * retention already reduced to host and hash (`anonymisedUrl`) gives the same host and hash as the URL it was.
 */
export function redactedUrl(url: string, key: UrlHashKey): RedactedUrl {
  const anonymised = parseAnonymisedUrl(url);
  if (anonymised) return anonymised;
  let host = '';
  let rest = url;
  try {
    const u = new URL(url);
    host = u.host;
    rest = `${u.pathname}${u.search}`;
  } catch {
    // Not a URL: the whole text is hashed, nothing of it shown.
  }
  return { host, pathHash: pathHash(rest, key) };
}

/** JSON with object keys sorted at every depth and no whitespace: the same data gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function reportDigest(report: TerminationReport): string {
  return createHash('sha256').update(canonicalJson(report)).digest('hex');
}

export function digestReport(report: TerminationReport): DigestedTerminationReport {
  return { ...report, digest: { algorithm: 'sha256', value: reportDigest(report) } };
}

/**
 * Whether a report (as parsed from its JSON file) still has the digest it was issued with. The signature, which
 * covers that digest, is checked by `verifySnapshotSignature` given the public keys.
 */
export function verifyReport(
  parsed: unknown,
):
  | { ok: true; digest: string }
  | { ok: false; expected: string | null; actual: string | null; problem: string } {
  if (!parsed || typeof parsed !== 'object' || !('digest' in parsed)) {
    return { ok: false, expected: null, actual: null, problem: 'the file has no digest' };
  }
  const { digest, ...signed } = parsed as SignedTerminationReport;
  const report = Object.fromEntries(Object.entries(signed).filter(([key]) => key !== 'signature'));
  if (digest?.algorithm !== 'sha256' || typeof digest.value !== 'string') {
    return { ok: false, expected: null, actual: null, problem: 'the digest is not a SHA-256 digest' };
  }
  const actual = createHash('sha256').update(canonicalJson(report)).digest('hex');
  return actual === digest.value
    ? { ok: true, digest: actual }
    : { ok: false, expected: digest.value, actual, problem: 'the content does not match its digest' };
}
