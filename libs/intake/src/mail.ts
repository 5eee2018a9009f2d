import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { HeaderValue, ParsedMail, SimpleParserOptions } from 'mailparser';
import type { Category } from '@takedown/domain';
import { CLOCK_SKEW_MS, IntakeError, MAX_URLS, type ParsedReport } from './notice-input';
import type { MailSource } from '@takedown/domain';
import { isHttpUrl, isXarf, parseXarf } from './xarf';
import {
  hotlineFileNumber,
  hotlineReports,
  mergeHotlineTables,
  readHotlineTable,
  type HotlineFile,
  type HotlineTable,
} from './hotline';

/** RFC 5965 feedback types to our categories (`fraud` is how mailbox providers report phishing). */
const CATEGORY_BY_FEEDBACK_TYPE: Record<string, Category> = {
  abuse: 'spam',
  fraud: 'phishing',
  virus: 'malware',
};

/** Longer than any browser or server takes: a run of text, not an address. */
const MAX_URL_LENGTH = 2048;

/** The desk needs the words of the message, not megabytes of it. */
const MAX_ORIGINAL_TEXT = 100_000;

/**
 * mailparser's `simpleParser`, loaded with the first mail (about a tenth of a second): not by every process that
 * imports this module (the API, the tests) and never parses a mail.
 */
export async function simpleParser(source: Buffer, options?: SimpleParserOptions): Promise<ParsedMail> {
  return (await import('mailparser')).simpleParser(source, options);
}

export interface MailOptions {
  /** The configured source the sender speaks for (its allow-list was checked by the channel). */
  source: MailSource;
  sender: string;
  now?: Date;
}

/**
 * Reads one email into a notice: an X-ARF report (JSON part or body), an ARF feedback report (RFC 5965), or plain
 * text from a known source, which goes to the desk for triage with its URLs and IPs extracted. Mail is decoded by
 * mailparser; nothing here reads raw MIME. Throws IntakeError when the message cannot be made into a notice: the
 * channel keeps it as a raw message with that error.
 */
export async function parseMail(raw: Buffer, opts: MailOptions): Promise<ParsedReport> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipHtmlToText: false, skipTextLinks: true, skipImageLinks: true });
  } catch {
    throw new IntakeError('not a readable MIME message', 'message');
  }
  const source = { kind: opts.source.kind, name: opts.source.name, contact: opts.sender };
  const reference =
    mail.messageId?.replace(/^<|>$/g, '') ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;

  const xarf = findXarf(mail);
  if (xarf !== undefined) {
    const parsed = parseXarf(xarf, { now: opts.now });
    // The mail source is who we trust (its sender was allowed); the report id stays the reference.
    return {
      notice: { ...parsed.notice, source },
      extras: { ...parsed.extras, channel: 'mail-xarf' },
    };
  }

  const contentType = mail.headers.get('content-type') as { value: string; params: Record<string, string> };
  if (contentType?.value === 'multipart/report' && contentType.params['report-type'] === 'feedback-report') {
    const part = mail.attachments.find((a) => a.contentType === 'message/feedback-report');
    if (!part) throw new IntakeError('ARF report without its message/feedback-report part', 'message');
    const fields = (await simpleParser(part.content)).headers;
    const feedbackType = text(fields.get('feedback-type'))?.toLowerCase();
    if (!feedbackType) throw new IntakeError('ARF Feedback-Type: is required', 'Feedback-Type');
    const uris = all(fields.get('reported-uri')).filter(isHttpUrl);
    const sourceIp = text(fields.get('source-ip'));
    if (sourceIp && !isIP(sourceIp)) {
      throw new IntakeError('ARF Source-IP: is not an IP address', 'Source-IP');
    }
    const arrival = text(fields.get('arrival-date'));
    const observed = arrival ? new Date(arrival) : undefined;
    if (observed && Number.isNaN(observed.getTime())) {
      throw new IntakeError('ARF Arrival-Date: is not a date', 'Arrival-Date');
    }
    if (observed && observed.getTime() > (opts.now ?? new Date()).getTime() + CLOCK_SKEW_MS) {
      throw new IntakeError('ARF Arrival-Date: is in the future', 'Arrival-Date');
    }
    // A feedback loop's report names the sending address and often no URL at all: then it is a notice about that
    // address. One with neither is still a report: the desk reads it.
    if (uris.length || sourceIp) {
      return {
        notice: {
          source,
          sourceReference: reference,
          category: CATEGORY_BY_FEEDBACK_TYPE[feedbackType] ?? 'other',
          urls: [...new Set(uris)].slice(0, MAX_URLS),
          ...(sourceIp ? { ip: sourceIp } : {}),
          ...(observed ? { observedAt: observed.toISOString() } : {}),
        },
        extras: { reportedType: `arf/${feedbackType}`, channel: 'mail-arf' },
      };
    }
  }

  return triage(mail, source, reference);
}

/**
 * The hotline's NTD message (subject `[<file number>] Notice & Take Down message from …`): its body table and its
 * `urls-<file number>.csv` attachment read and merged, one report per URL. Undefined when the subject is not the
 * hotline's; throws IntakeError when the message has neither list or no line of them can be taken.
 */
export async function parseHotlineMail(raw: Buffer, opts: MailOptions): Promise<HotlineFile | undefined> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipHtmlToText: false, skipTextLinks: true, skipImageLinks: true });
  } catch {
    return undefined;
  }
  const fileNumber = hotlineFileNumber(mail.subject);
  if (!fileNumber) return undefined;
  const csv = mail.attachments.find(
    (a) => /\.csv$/i.test(a.filename ?? '') || /^text\/(csv|comma-separated-values)$/i.test(a.contentType),
  );
  const attachmentName = csv?.filename ?? 'the CSV attachment';
  let attachment: HotlineTable | undefined;
  if (csv) {
    const text = csv.content.toString('utf8');
    const head = text.split(/\r?\n/, 1)[0];
    attachment = readHotlineTable(text, attachmentName, head.includes(';') ? ';' : ',');
  }
  const body = bodyTable(mail.text ?? '');
  if (!body && !attachment)
    throw new IntakeError('hotline message without its URL list (body table or CSV)', 'message');
  const { lines, notes } = mergeHotlineTables(body, attachment, {
    body: 'the body table',
    attachment: attachmentName,
  });
  const source = { kind: opts.source.kind, name: opts.source.name, contact: opts.sender };
  const taken = hotlineReports(fileNumber, lines, { source, channel: 'mail-hotline', now: opts.now });
  const problems = [...(body?.problems ?? []), ...(attachment?.problems ?? []), ...taken.problems];
  if (!taken.reports.length) {
    throw new IntakeError(
      `hotline file ${fileNumber}: no line could be taken (${problems.map((p) => `${p.where}${p.field ? ` [${p.field}]` : ''}: ${p.problem}`).join('; ')})`,
      'message',
    );
  }
  for (const { report } of taken.reports) {
    if (notes.length) report.extras.reportDetails = { ...report.extras.reportDetails, listNotes: notes };
  }
  return { fileNumber, reports: taken.reports, problems, notes };
}

/** The `|` table of the body: its header line (with a url column) and the lines after it that have a `|`. */
function bodyTable(text: string): HotlineTable | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.includes('|') && /(^|\|)\s*url\s*(\||$)/i.test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && lines[end].includes('|')) end++;
  const table = readHotlineTable(lines.slice(start, end).join('\n'), 'body', '|');
  // Lines counted from the top of the body, as a reader of the message counts them.
  const shift = (where: string) =>
    where.replace(/^body line (\d+)/, (_, n: string) => `body line ${Number(n) + start}`);
  return {
    lines: table.lines.map((l) => ({ ...l, where: shift(l.where) })),
    problems: table.problems.map((p) => ({ ...p, where: shift(p.where) })),
  };
}

function triage(mail: ParsedMail, source: ParsedReport['notice']['source'], reference: string): ParsedReport {
  const body = mail.text ?? '';
  const urls = [...new Set(body.match(/\b(?:https?|ftp):\/\/[^\s<>"'`)\]]+/gi) ?? [])]
    .map(trimTrailingPunctuation)
    .filter((u) => u.length <= MAX_URL_LENGTH && isHttpUrl(u));
  if (!urls.length) throw new IntakeError('no URL in the message: nothing to act on', 'message');
  const ips = [
    ...new Set(body.match(/\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi) ?? []),
  ]
    .filter((ip) => isIP(ip))
    .slice(0, 20);
  const kept = urls.slice(0, MAX_URLS);
  const original = clean(`Subject: ${mail.subject ?? ''}\n\n${body}`);
  return {
    notice: {
      source,
      sourceReference: reference,
      // Until the desk confirms: `other` starts no clock because a triage notice has no workflow.
      category: 'other',
      urls: kept,
      ...(ips.length === 1 ? { ip: ips[0] } : {}),
      description:
        `Plain email, category to be confirmed. ${urls.length} URL(s)` +
        (urls.length > kept.length ? `, the first ${kept.length} kept` : '') +
        (ips.length ? `; IP addresses: ${ips.join(', ')}` : ''),
    },
    extras: {
      needsTriage: true,
      originalText: original.slice(0, MAX_ORIGINAL_TEXT),
      channel: 'mail-plain',
    },
  };
}

/** An X-ARF report in a JSON attachment or as the body, as X-ARF mail carries it. */
function findXarf(mail: ParsedMail): unknown {
  const candidates = [
    ...mail.attachments
      .filter((a) => /json|xarf/i.test(a.contentType) || /\.json$/i.test(a.filename ?? ''))
      .map((a) => a.content.toString('utf8')),
    mail.text ?? '',
  ];
  for (const candidate of candidates) {
    const trimmed = candidate.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const json: unknown = JSON.parse(trimmed);
      if (isXarf(json)) return json;
    } catch {
      // not JSON: not X-ARF
    }
  }
  return undefined;
}

/**
 * A sentence's full stop or comma after a URL is not part of it. A loop, not `/[.,;:!?]+$/`: that regex tries every
 * position of a long run of dots followed by something else, quadratic in the run's length.
 */
function trimTrailingPunctuation(url: string): string {
  let end = url.length;
  while (end > 0 && '.,;:!?'.includes(url[end - 1])) end--;
  return url.slice(0, end);
}

function text(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (value instanceof Date) return value.toUTCString();
  if (Array.isArray(value)) return text(value[0] as HeaderValue);
  return undefined;
}

function all(value: HeaderValue | undefined): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => all(v as HeaderValue));
  const t = text(value);
  return t ? [t.replace(/^<|>$/g, '')] : [];
}

/** The most of an unreadable message's raw text kept for the desk. */
const MAX_KEPT_RAW = 64 * 1024;

/**
 * What of a message that became no notice is kept for the desk: its headers and text. Attachments are listed by
 * type, size and SHA-256 only, since they may be the reported material; a message MIME cannot read at all is kept
 * as its first 64 KiB.
 */
export async function keepableCopy(
  raw: Buffer,
): Promise<{ messageId: string | null; headers: string; text: string }> {
  try {
    const mail = await simpleParser(raw, { skipHtmlToText: false });
    const headers = mail.headerLines.map((h) => h.line).join('\n');
    const attachments = mail.attachments.map(
      (a) =>
        `[attachment ${a.contentType}, ${a.size} bytes, sha256:${createHash('sha256').update(a.content).digest('hex')}]`,
    );
    return {
      messageId: mail.messageId ?? null,
      headers: clean(headers),
      text: clean([mail.text ?? '', ...attachments].join('\n')).slice(0, MAX_ORIGINAL_TEXT),
    };
  } catch {
    return { messageId: null, headers: '', text: clean(raw.subarray(0, MAX_KEPT_RAW).toString('utf8')) };
  }
}

const clean = (s: string) => s.replaceAll('\u0000', '');

/** Where the header section ends (the offset of the blank line after it), or -1 when `raw` holds no blank line. */
export function headerSectionEnd(raw: Buffer): number {
  const ends = [raw.indexOf('\n\n'), raw.indexOf('\n\r\n')].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) + 1 : -1;
}
