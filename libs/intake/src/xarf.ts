import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Category, SourceKind } from '@takedown/domain';
import { CLOCK_SKEW_MS, IntakeError, type ParsedReport } from './notice-input';

/**
 * X-ARF v4 (xarf.org, schemas/v4/xarf-core.json): the core fields every report has. Two deliberate leniencies:
 * `report_id` is any id, not only a UUID (hotlines use their case numbers), and `source_identifier` may be a host
 * name (kept out of `ip`: we never resolve names). Unknown fields are allowed, as the schema allows them.
 */
const contact = z.object({
  org: z.string().trim().min(1).max(200),
  contact: z.string().trim().email(),
  domain: z
    .string()
    .trim()
    .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i, {
      message: 'must be a host name',
    }),
});

const evidenceItem = z.object({
  content_type: z.string().min(1),
  payload: z.string(),
  // The specification's own samples give the digest bare as well as `algorithm:hex`; a bare one is named by its length.
  hash: z
    .string()
    .regex(/^((md5|sha1|sha256|sha512):)?[a-f0-9]+$/i, { message: 'must be algorithm:hex' })
    .optional(),
  description: z.string().max(500).optional(),
  size: z.number().int().min(0).optional(),
});

export const XARF_CATEGORIES = [
  'messaging',
  'content',
  'copyright',
  'connection',
  'vulnerability',
  'infrastructure',
  'reputation',
] as const;

const xarfSchema = z.object({
  xarf_version: z.string().regex(/^4\.\d+\.\d+$/, { message: 'must be a 4.x.y version' }),
  report_id: z.string().trim().min(1).max(200),
  timestamp: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone' }),
  reporter: contact,
  sender: contact,
  source_identifier: z.string().trim().min(1).max(253),
  category: z.enum(XARF_CATEGORIES),
  type: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\w-]+$/, { message: 'must be a type name' }),
  url: z.string().trim().max(2048).optional(),
  description: z.string().max(1000).optional(),
  hash_values: z
    .object({
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/i, { message: 'must be 64 hexadecimal characters' })
        .optional(),
      md5: z
        .string()
        .regex(/^[0-9a-f]{32}$/i, { message: 'must be 32 hexadecimal characters' })
        .optional(),
    })
    .passthrough()
    .optional(),
  evidence: z.array(evidenceItem).max(50).optional(),
});

export type XarfReport = z.infer<typeof xarfSchema>;

/**
 * X-ARF `category/type` to our categories, for the 32 types of the X-ARF v4 sample set; a type not listed is `other`
 * (its category's copyright excepted), with `category/type` kept as the reported type.
 */
export const XARF_CATEGORY_BY_TYPE: Record<string, Category> = {
  'content/csam': 'csam',
  'content/csem': 'csam',
  'content/phishing': 'phishing',
  'content/malware': 'malware',
  'content/remote_compromise': 'compromised',
  'messaging/spam': 'spam',
  'messaging/bulk_messaging': 'spam',
  'connection/login_attack': 'login_attack',
  'connection/port_scan': 'scanning',
  'connection/reconnaissance': 'scanning',
  'connection/vuln_scanning': 'scanning',
  'connection/ddos': 'ddos',
  'connection/infected_host': 'botnet',
  'connection/scraping': 'web_attack',
  'connection/sql_injection': 'web_attack',
  'infrastructure/botnet': 'botnet',
  'infrastructure/compromised_server': 'compromised',
  'reputation/blocklist': 'blocklisted',
  'reputation/threat_intelligence': 'blocklisted',
  'vulnerability/cve': 'vulnerable_service',
  'vulnerability/open': 'vulnerable_service',
  'vulnerability/misconfiguration': 'vulnerable_service',
};

/** Where a category keeps the URL of the material, beside the core `url`. */
const URL_FIELD_OF: Partial<Record<(typeof XARF_CATEGORIES)[number], string>> = {
  copyright: 'infringing_url',
};

/** X-ARF categories about material at a URL: a report of one of them needs the URL. */
const URL_CATEGORIES: readonly string[] = ['content'];

/** The fields the notice itself holds; every other field is the type's own, kept as reported. */
const CORE_FIELDS = new Set([
  'xarf_version',
  'report_id',
  'timestamp',
  'reporter',
  'sender',
  'source_identifier',
  'category',
  'type',
  'url',
  'description',
  'hash_values',
  'evidence',
]);

/** The most of a report's type-specific fields kept (JSON characters): details, not a payload store. */
const MAX_DETAILS = 16_384;

export function isXarf(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'xarf_version' in body;
}

export interface XarfOptions {
  now?: Date;
  /** Which kind of source a reporter is (a configured hotline, say); X-ARF itself does not say. */
  kindOf?: (reporter: { contact: string; domain: string }) => SourceKind | undefined;
}

/**
 * Validates an X-ARF v4 report and maps it to a notice. Evidence payloads are dropped here, at the edge, so that
 * reported material never travels further than this function: only their hashes are kept.
 */
export function parseXarf(body: unknown, opts: XarfOptions = {}): ParsedReport {
  const problems = new Map<string, string[]>();
  const add = (field: string, problem: string) =>
    problems.set(field, [...(problems.get(field) ?? []), problem]);
  // reportInput: a missing field (its input undefined) is told from a wrong one; problemOf never repeats the input.
  const result = xarfSchema.safeParse(body, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) add(issue.path.join('.') || 'body', problemOf(issue));
  }
  // The rules no schema keyword holds are checked too, on whatever the fields are, so that one answer names all.
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const now = opts.now ?? new Date();
  if (!problems.has('timestamp') && typeof raw.timestamp === 'string') {
    if (Date.parse(raw.timestamp) > now.getTime() + CLOCK_SKEW_MS) add('timestamp', 'is in the future');
  }
  if (!problems.has('source_identifier') && typeof raw.source_identifier === 'string') {
    const problem = sourceIdentifierProblem(raw.source_identifier.trim());
    if (problem) add('source_identifier', problem);
  }
  // A report is about material at a URL (`url`, or its category's own field such as copyright's
  // `infringing_url`) or, without one, about the address it names: an IP notice.
  const urlField =
    typeof raw.url === 'string' && raw.url.trim()
      ? 'url'
      : (URL_FIELD_OF[raw.category as keyof typeof URL_FIELD_OF] ?? 'url');
  const givenUrl = typeof raw[urlField] === 'string' ? (raw[urlField] as string).trim() : '';
  if (!problems.has(urlField)) {
    if (givenUrl && !isHttpUrl(givenUrl)) add(urlField, 'must be an http, https or ftp URL');
    else if (!givenUrl && URL_CATEGORIES.includes(String(raw.category))) {
      add('url', 'is required (a content report is about a URL)');
    }
  }
  const details = Object.fromEntries(Object.entries(raw).filter(([k]) => !CORE_FIELDS.has(k)));
  if (JSON.stringify(details).length > MAX_DETAILS) {
    add('body', `holds more than ${MAX_DETAILS} characters of type-specific fields`);
  }
  if (problems.size || !result.success) {
    const fields = [...problems].map(([field, list]) => ({ field, problems: list }));
    throw new IntakeError(
      `X-ARF ${fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ')}`,
      fields[0]?.field ?? 'body',
      fields,
    );
  }
  const x = result.data;
  const ip = isIP(x.source_identifier) ? x.source_identifier : undefined;
  const reportedType = `${x.category}/${x.type.toLowerCase()}`;
  const mapped =
    XARF_CATEGORY_BY_TYPE[reportedType] ?? (x.category === 'copyright' ? 'copyright' : undefined);
  // An address's behaviour (a login attack, a scan, spam) is the address's notice, whatever URL the report names:
  // that URL is often the victim's. Kept in the details.
  const url = givenUrl && !(ip && IP_BASED_XARF.includes(x.category)) ? givenUrl : undefined;
  // Neither a URL nor an address: the host name is resolved at intake, and the notice is about its addresses.
  const host = !url && !ip ? x.source_identifier.toLowerCase() : undefined;
  const evidenceHashes = (x.evidence ?? []).map(
    (e) =>
      (e.hash && namedHash(e.hash)) ??
      `sha256:${createHash('sha256').update(e.payload, 'base64').digest('hex')}`,
  );
  return {
    notice: {
      source: {
        kind: opts.kindOf?.(x.reporter) ?? 'public',
        name: x.reporter.org,
        contact: x.reporter.contact,
      },
      sourceReference: x.report_id,
      category: mapped ?? 'other',
      urls: url ? [url] : [],
      ...(ip ? { ip } : {}),
      observedAt: new Date(x.timestamp).toISOString(),
      hashes: {
        ...(x.hash_values?.sha256 ? { sha256: x.hash_values.sha256.toLowerCase() } : {}),
        ...(x.hash_values?.md5 ? { md5: x.hash_values.md5.toLowerCase() } : {}),
      },
      ...(x.description ? { description: x.description } : {}),
    },
    extras: {
      reportedType: `${x.category}/${x.type}`,
      evidenceHashes,
      channel: 'xarf',
      ...(host ? { host } : {}),
      ...(Object.keys(details).length || (givenUrl && !url)
        ? { reportDetails: { ...details, ...(givenUrl && !url ? { [urlField]: givenUrl } : {}) } }
        : {}),
    },
  };
}

/** X-ARF categories whose reports are about what an address does, not material it serves. */
const IP_BASED_XARF: readonly string[] = [
  'messaging',
  'connection',
  'infrastructure',
  'reputation',
  'vulnerability',
];

const DIGEST_BY_LENGTH: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** `algorithm:hex`, lower case; a bare digest is named by its length (undefined when no algorithm has it). */
function namedHash(hash: string): string | undefined {
  const h = hash.toLowerCase();
  if (h.includes(':')) return h;
  const algorithm = DIGEST_BY_LENGTH[h.length];
  return algorithm ? `${algorithm}:${h}` : undefined;
}

/**
 * An IP is kept; a host name is kept (and resolved at intake when the report names no URL); something that tries to be an IP and is not is refused.
 * The problem, if any; the value itself is never repeated in an answer.
 */
function sourceIdentifierProblem(identifier: string): string | undefined {
  if (isIP(identifier)) return undefined;
  if (/^[\d.]+$/.test(identifier) || identifier.includes(':')) return 'is not an IP address';
  if (!/^[a-z0-9.-]+$/i.test(identifier)) return 'must be an IP address or a host name';
  return undefined;
}

/** Zod's words, without the value it was given (`received 'https://…'`): an error never repeats input. */
function problemOf(issue: z.ZodIssue): string {
  if (issue.code === 'invalid_type')
    return issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return ['http:', 'https:', 'ftp:'].includes(u.protocol) && u.hostname.length > 0;
  } catch {
    return false;
  }
}
