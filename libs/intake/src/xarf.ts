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
  hash: z
    .string()
    .regex(/^(md5|sha1|sha256|sha512):[a-f0-9]+$/i, { message: 'must be algorithm:hex' })
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

/** X-ARF types to our categories; anything else is `other`, with `category/type` kept as the reported type. */
const CATEGORY_BY_TYPE: Record<string, Category> = {
  csam: 'csam',
  csem: 'csam',
  phishing: 'phishing',
  malware: 'malware',
  spam: 'spam',
  bulk_messaging: 'spam',
};

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
  const result = xarfSchema.safeParse(body);
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
  if (!problems.has('url')) {
    if (typeof raw.url !== 'string' || !raw.url.trim()) add('url', 'is required (a notice is about a URL)');
    else if (!isHttpUrl(raw.url.trim())) add('url', 'must be an http, https or ftp URL');
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
  // Checked above, as it was given; the schema trims.
  const url = x.url as string;

  const mapped =
    CATEGORY_BY_TYPE[x.type.toLowerCase()] ?? (x.category === 'copyright' ? 'copyright' : undefined);
  const evidenceHashes = (x.evidence ?? []).map(
    (e) =>
      e.hash?.toLowerCase() ?? `sha256:${createHash('sha256').update(e.payload, 'base64').digest('hex')}`,
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
      urls: [url],
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
    },
  };
}

/**
 * An IP is kept; a host name is allowed but never resolved; something that tries to be an IP and is not is refused.
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
  if (issue.code === 'invalid_type') {
    return issue.received === 'undefined' ? 'is required' : `must be ${issue.expected}`;
  }
  if (issue.code === 'invalid_enum_value') return `must be one of ${issue.options.join(', ')}`;
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
