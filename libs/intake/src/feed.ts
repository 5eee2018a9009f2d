import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Category } from '@takedown/domain';
import { CLOCK_SKEW_MS } from './notice-input';

/**
 * A daily feed of IP-based abuse in the shape of the large scanners' CSV reports: `timestamp, ip, port, protocol,
 * type, asn, tag`, one observation a line. Read as a stream: a feed of a hundred thousand lines is never held whole.
 */
export const FEED_COLUMNS = ['timestamp', 'ip', 'port', 'protocol', 'type', 'asn', 'tag'] as const;
const REQUIRED = ['timestamp', 'ip', 'type'];

/** A feed's `tag` (or, failing that, `type`) to our category. */
export const FEED_CATEGORY_BY_TAG: Record<string, Category> = {
  'brute-force': 'login_attack',
  bruteforce: 'login_attack',
  'open-dns': 'vulnerable_service',
  'open-resolver': 'vulnerable_service',
  'open-service': 'vulnerable_service',
  vulnerable: 'vulnerable_service',
  spam: 'spam',
  'spam-source': 'spam',
  botnet: 'botnet',
  'botnet-c2': 'botnet',
  'infected-host': 'botnet',
  compromised: 'compromised',
  scan: 'scanning',
  scanner: 'scanning',
  ddos: 'ddos',
  blocklist: 'blocklisted',
};

export interface FeedLine {
  line: number;
  at: Date;
  ip: string;
  category: Category;
  /** `ssh-bruteforce (tcp/22)`: what was seen, for the notice's sources. */
  seen: string;
  type: string;
  /** The observation's identity: the same line in any file is the same digest, so a re-import changes nothing. */
  digest: string;
}

export interface FeedReject {
  line: number;
  column?: string;
  problem: string;
}

export type FeedItem = { ok: true; line: FeedLine } | { ok: false; reject: FeedReject };

/**
 * Reads a feed line by line. A header without the required columns stops the import before any line (thrown); a
 * line with a bad timestamp, IP or an unknown type is that line's reject, named by its line and column, never by its
 * value.
 */
export async function* readFeed(
  input: Readable | string,
  opts: { source: string; now?: Date },
): AsyncGenerator<FeedItem> {
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  });
  if (typeof input === 'string') parser.end(input);
  else input.pipe(parser);
  const now = (opts.now ?? new Date()).getTime();
  let header: string[] | null = null;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    if (!header) {
      header = record.map((c) => c.toLowerCase());
      const missing = REQUIRED.filter((c) => !header!.includes(c));
      if (missing.length) throw new FeedHeaderError(`the header lacks ${missing.join(', ')}`);
      continue;
    }
    const line = info.lines;
    if (record.length !== header.length) {
      yield reject(line, undefined, `has ${record.length} cells where the header has ${header.length}`);
      continue;
    }
    const cell = Object.fromEntries(header.map((c, i) => [c, record[i]])) as Record<string, string>;
    const at = feedTime(cell.timestamp);
    if (!at) {
      yield reject(line, 'timestamp', 'must be a date and time (YYYY-MM-DD HH:MM:SS in UTC, or ISO 8601)');
      continue;
    }
    if (at.getTime() > now + CLOCK_SKEW_MS) {
      yield reject(line, 'timestamp', 'is in the future');
      continue;
    }
    if (!isIP(cell.ip)) {
      yield reject(line, 'ip', 'is not an IP address');
      continue;
    }
    const type = (cell.type ?? '').toLowerCase();
    if (!/^[\w.-]{1,64}$/.test(type)) {
      yield reject(line, 'type', 'must be a type name (letters, digits, - _ .)');
      continue;
    }
    const category =
      FEED_CATEGORY_BY_TAG[(cell.tag ?? '').toLowerCase()] ??
      FEED_CATEGORY_BY_TAG[type] ??
      (type.endsWith('-bruteforce') ? 'login_attack' : undefined);
    if (!category) {
      yield reject(line, cell.tag ? 'tag' : 'type', 'is not a kind of abuse this feed import knows');
      continue;
    }
    // Only what a protocol and a port look like reaches the notice.
    const where = [cell.protocol, cell.port].filter((c) => c && /^[\w-]{1,16}$/.test(c)).join('/');
    const seen = `${type}${where ? ` (${where})` : ''}`;
    const digest = createHash('sha256')
      .update(
        JSON.stringify([opts.source, at.toISOString(), cell.ip, type, cell.protocol ?? '', cell.port ?? '']),
      )
      .digest('hex');
    yield { ok: true, line: { line, at, ip: cell.ip, category, seen, type, digest } };
  }
  if (!header) throw new FeedHeaderError('the file has no header and no lines');
}

/** The feed as a whole cannot be read (its header): nothing was imported. */
export class FeedHeaderError extends Error {}

const reject = (line: number, column: string | undefined, problem: string): FeedItem => ({
  ok: false,
  reject: { line, ...(column ? { column } : {}), problem },
});

/** The scanners write UTC without a zone (`2026-12-04 00:13:22`); ISO 8601 with a zone is read as written. */
function feedTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const t = text.trim();
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  const iso = local
    ? `${local[1]}-${local[2]}-${local[3]}T${local[4]}:${local[5]}:${local[6] ?? '00'}Z`
    : /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(t)
      ? t
      : undefined;
  if (!iso) return undefined;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return undefined;
  // `2026-02-30` is rolled over by Date; a feed with it is wrong, not next month.
  if (local && at.getUTCDate() !== Number(local[3])) return undefined;
  return at;
}
