import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { parse } from 'csv-parse/sync';
import type { SourceKind } from '@takedown/domain';
import { CLOCK_SKEW_MS, IntakeError, type IntakeChannel, type ParsedReport } from './notice-input';
import { isHttpUrl } from './xarf';

/**
 * The hotline's notice-and-take-down message (SCARt, as Meldpunt Kinderporno sends it): the file number in the
 * subject, a table of URL, IP, first seen, last seen and note in the body, and the same list as a CSV attachment
 * `urls-<file number>.csv`. The same data can be pushed to `POST /v1/intake/hotline`. Every URL is a CSAM report of
 * its own (one notice each: the URLs of one file are often at different customers).
 */
export const HOTLINE_SUBJECT = /^\s*\[([^\]\s]{1,100})\]\s*Notice & Take Down message from\b/i;

/** The most URLs one hotline file is taken with: beyond it the message is kept for the desk. */
export const MAX_HOTLINE_LINES = 1000;

/** One line of the list, as the hotline gave it. */
export interface HotlineLine {
  url: string;
  ip?: string;
  firstSeen?: string;
  lastSeen?: string;
  note?: string;
}

/** A line that could not be taken: where it is (`body line 14`, `urls-….csv line 3`, `urls[2]`), and why. */
export interface HotlineProblem {
  where: string;
  field?: string;
  problem: string;
}

export interface HotlineFile {
  fileNumber: string;
  /** One per URL, in the order of the list. */
  reports: { line: string; report: ParsedReport }[];
  problems: HotlineProblem[];
  /** What the desk should know about the file as a whole (the body table and the attachment disagree). */
  notes: string[];
}

/** The hotline's columns, by the names its body table and CSV give them. */
const COLUMNS: Record<string, keyof HotlineLine> = {
  url: 'url',
  ip: 'ip',
  first_seen: 'firstSeen',
  last_seen: 'lastSeen',
  note: 'note',
};

/** The file number a subject carries, when it is the hotline's NTD subject. */
export function hotlineFileNumber(subject: string | undefined): string | undefined {
  return subject ? HOTLINE_SUBJECT.exec(subject)?.[1] : undefined;
}

/** A list read from text: its lines, each with where it was, and the lines that could not be read. */
export interface HotlineTable {
  lines: { where: string; line: HotlineLine }[];
  problems: HotlineProblem[];
}

/**
 * Reads a table of the hotline's columns, `|` separated in the body or `;` (or `,`) in the CSV. A header without
 * a `url` column makes nothing of the table (one problem); a line with another number of cells than the header, or
 * a bad URL or IP, is that line's problem; the other lines are read.
 */
export function readHotlineTable(text: string, origin: string, delimiter: string): HotlineTable {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      delimiter,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const { lines } = err as { lines?: unknown };
    return {
      lines: [],
      problems: [
        {
          where: typeof lines === 'number' ? `${origin} line ${lines}` : origin,
          problem: 'not readable as CSV',
        },
      ],
    };
  }
  const [head, ...body] = rows;
  if (!head) return { lines: [], problems: [{ where: origin, problem: 'the list is empty' }] };
  const header = head.record.map((c) => c.toLowerCase().replace(/[\s-]+/g, '_'));
  if (!header.includes('url')) {
    return {
      lines: [],
      problems: [
        { where: `${origin} line ${head.info.lines}`, field: 'url', problem: 'the header has no url column' },
      ],
    };
  }
  const table: HotlineTable = { lines: [], problems: [] };
  for (const { record, info } of body) {
    const where = `${origin} line ${info.lines}`;
    if (record.length !== header.length) {
      table.problems.push({
        where,
        problem: `has ${record.length} cells where the header has ${header.length}`,
      });
      continue;
    }
    const line: Partial<HotlineLine> = {};
    header.forEach((column, i) => {
      const key = COLUMNS[column];
      if (key && record[i]) line[key] = record[i];
    });
    const problem = lineProblem(line);
    if (problem) table.problems.push({ where, ...problem });
    else table.lines.push({ where, line: line as HotlineLine });
  }
  return table;
}

/** What is wrong with one line, the value itself never repeated (it may be the material's address). */
export function lineProblem(line: Partial<HotlineLine>): { field: string; problem: string } | undefined {
  if (typeof line.url !== 'string' || !line.url) return { field: 'url', problem: 'is required' };
  if (line.url.length > 2048 || !isHttpUrl(line.url))
    return { field: 'url', problem: 'must be an http, https or ftp URL' };
  if (line.ip !== undefined && (typeof line.ip !== 'string' || !isIP(line.ip))) {
    return { field: 'ip', problem: 'is not an IP address' };
  }
  for (const field of ['firstSeen', 'lastSeen'] as const) {
    const value = line[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || seenAt(value) === undefined) {
      return {
        field: snake(field),
        problem: 'must be a date and time (YYYY-MM-DD HH:MM, Dutch time, or ISO 8601)',
      };
    }
  }
  if (line.note !== undefined && (typeof line.note !== 'string' || line.note.length > 1000)) {
    return { field: 'note', problem: 'must be text of at most 1000 characters' };
  }
  return undefined;
}

/** A hotline URL's source reference: the file number with the URL's digest (one report per URL of a file). */
export function hotlineReference(fileNumber: string, url: string): string {
  return `${fileNumber}/${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/**
 * The hotline's list as reports: one per URL, the file number (with the URL's digest, one reference per URL) as the
 * source reference, category CSAM. A URL listed twice is taken once, the second a problem of its own.
 */
export function hotlineReports(
  fileNumber: string,
  lines: { where: string; line: HotlineLine; foundIn?: string[] }[],
  opts: {
    source: { kind: SourceKind; name: string; contact?: string };
    channel: IntakeChannel;
    now?: Date;
  },
): Pick<HotlineFile, 'reports' | 'problems'> {
  const now = opts.now ?? new Date();
  const seen = new Map<string, string>();
  const out: Pick<HotlineFile, 'reports' | 'problems'> = { reports: [], problems: [] };
  if (lines.length > MAX_HOTLINE_LINES) {
    throw new IntakeError(
      `a hotline file is taken with at most ${MAX_HOTLINE_LINES} URLs, this one has ${lines.length}`,
      'urls',
    );
  }
  for (const { where, line, foundIn } of lines) {
    const earlier = seen.get(line.url);
    if (earlier) {
      out.problems.push({ where, field: 'url', problem: `lists the same URL as ${earlier}; taken once` });
      continue;
    }
    seen.set(line.url, where);
    const firstSeen = line.firstSeen ? seenAt(line.firstSeen) : undefined;
    if (firstSeen && firstSeen.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      out.problems.push({ where, field: 'first_seen', problem: 'is in the future' });
      continue;
    }
    const lastSeen = line.lastSeen ? seenAt(line.lastSeen) : undefined;
    out.reports.push({
      line: where,
      report: {
        notice: {
          source: opts.source,
          sourceReference: hotlineReference(fileNumber, line.url),
          category: 'csam',
          urls: [line.url],
          ...(line.ip ? { ip: line.ip } : {}),
          ...(firstSeen ? { observedAt: firstSeen.toISOString() } : {}),
          description: `Hotline file ${fileNumber}${line.note ? `: ${line.note}` : ''}`,
        },
        extras: {
          reportedType: 'hotline/ntd',
          channel: opts.channel,
          reportDetails: {
            fileNumber,
            ...(firstSeen ? { firstSeen: firstSeen.toISOString() } : {}),
            ...(lastSeen ? { lastSeen: lastSeen.toISOString() } : {}),
            ...(line.note ? { note: line.note } : {}),
            ...(foundIn ? { foundIn } : {}),
          },
        },
      },
    });
  }
  return out;
}

/**
 * Both lists of a hotline mail as one: a URL in both is one line; a URL in only one of them is taken too, with a
 * note, and so is a URL whose other cells differ between the two (the attachment's cells, being the machine's copy).
 */
export function mergeHotlineTables(
  body: HotlineTable | undefined,
  attachment: HotlineTable | undefined,
  names: { body: string; attachment: string },
): { lines: { where: string; line: HotlineLine; foundIn: string[] }[]; notes: string[] } {
  const merged = new Map<string, { where: string; line: HotlineLine; foundIn: string[] }>();
  const notes: string[] = [];
  for (const [table, name] of [
    [attachment, names.attachment],
    [body, names.body],
  ] as const) {
    for (const { where, line } of table?.lines ?? []) {
      const known = merged.get(line.url);
      if (!known) {
        merged.set(line.url, { where, line, foundIn: [name] });
        continue;
      }
      if (known.foundIn.includes(name)) {
        // The same URL twice in one list: its own problem, found by hotlineReports.
        merged.set(`${line.url}\u0000${where}`, { where, line, foundIn: [name] });
        continue;
      }
      known.foundIn.push(name);
      if (JSON.stringify(sorted(known.line)) !== JSON.stringify(sorted(line))) {
        notes.push(`${where} differs from ${known.where} for the same URL; the attachment's cells are kept`);
      }
    }
  }
  const lines = [...merged.values()];
  if (body && attachment) {
    const only = (name: string) => lines.filter((l) => l.foundIn.length === 1 && l.foundIn[0] === name);
    for (const l of only(names.body)) notes.push(`${l.where}: the URL is not in ${names.attachment}; taken`);
    for (const l of only(names.attachment)) notes.push(`${l.where}: the URL is not in the body table; taken`);
  }
  return { lines, notes };
}

const sorted = (line: HotlineLine) =>
  Object.fromEntries(Object.entries(line).sort(([a], [b]) => a.localeCompare(b)));

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * When the hotline saw the material: ISO 8601 with a zone, or `YYYY-MM-DD HH:MM[:SS]` as SCARt writes it, in Dutch
 * time (Europe/Amsterdam, summer time included).
 */
export function seenAt(text: string): Date | undefined {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!local) {
    if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return undefined;
    const at = new Date(text.trim());
    return Number.isNaN(at.getTime()) ? undefined : at;
  }
  const [, y, mo, d, h, mi, s] = local.map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s || 0);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return undefined;
  // The offset at that moment: taken twice, so that a time just after a change of summer time lands right.
  const first = asUtc - amsterdamOffset(asUtc);
  return new Date(asUtc - amsterdamOffset(first));
}

const AMSTERDAM = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Amsterdam',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Europe/Amsterdam's offset from UTC at an instant, in milliseconds. */
function amsterdamOffset(ms: number): number {
  const parts = Object.fromEntries(AMSTERDAM.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The problems of a file as one line of text for the desk (a raw message's error). */
export function describeProblems(problems: HotlineProblem[], notes: string[] = []): string {
  return [...problems.map((p) => `${p.where}${p.field ? ` [${p.field}]` : ''}: ${p.problem}`), ...notes].join(
    '; ',
  );
}
