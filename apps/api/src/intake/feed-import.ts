import { Injectable } from '@nestjs/common';
import { DataSource, In, type QueryRunner } from 'typeorm';
import { durationToMs, type Category, type SourceKind } from '@takedown/domain';
import type { FeedItem, FeedLine, FeedReject } from '@takedown/intake';
import { attributeMany, ContractEntity, policyInForce } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { BulkIntakeService } from '../notices/bulk-intake.service';

/** What one run of `takedown import feed` did. */
export interface FeedImportReport {
  lines: number;
  /** New notices, one per address, category and customer within a window. */
  created: number;
  /** Lines that joined a notice of their address, category and customer (of this run or an earlier one). */
  joined: number;
  /** Lines imported before (the same observation): nothing changed. */
  known: number;
  rejected: number;
  rejects: FeedReject[];
}

/** Milliseconds spent in each phase of an import, by phase name. */
export type FeedPhases = Record<string, number>;

export interface FeedImportOptions {
  /** Called after each chunk with the report so far. */
  onProgress?: (report: FeedImportReport) => void;
  /** Filled with the time each phase took (the bench prints it). */
  phases?: FeedPhases;
  /** Lines a chunk (FEED_CHUNK): the result is the same for any size, only the number of round trips changes. */
  chunkSize?: number;
}

/** The aggregation window where a policy sets none: a day, as the scanners' daily reports come. */
const DEFAULT_WINDOW = 'P1D';

/** The most rejects a report lists line by line; the count holds them all. */
const MAX_LISTED_REJECTS = 1000;

/** Lines taken a chunk at a time: each chunk is a handful of statements, whatever its size. */
export const FEED_CHUNK = 1000;

/** A notice of one address, category and customer within a window, as a chunk sees and changes it. */
interface Aggregate {
  /** Unknown until the notice of a new aggregate is made. */
  noticeId: string | null;
  windowStart: number;
  windowEnd: number;
  firstSeen: number;
  lastSeen: number;
  /** A new aggregate's line that opens it, with its attribution. */
  opener?: { line: FeedLine; ip: string; customerId: string | null };
  /** What this chunk adds: occurrences and sources not there before. */
  added: number;
  addedSources: string[];
  sources: Set<string>;
  digests: string[];
}

/**
 * A feed of IP-based reports into notices (`takedown import feed`): the lines of one address, category and customer
 * (attributed when the line was seen) within the aggregation window of the customer's policy are one notice, with
 * an occurrence count, first and last seen and the sources; the first line opens it through the batch intake (so its
 * workflow runs as any notice's), the others add to it. Every line's digest is kept: importing again is a no-op.
 *
 * Set-based, a chunk of lines at a time: the chunk's known digests, attributions and open aggregates are read in one
 * statement each, its lines are taken in order in memory (exactly as one line after the other would be), its new
 * notices are made in one batch (their workflows started many at a time), and what changed is written in one
 * transaction. One run of a source at a time (a lock held for the run), so that two never open two notices for one
 * window.
 */
@Injectable()
export class FeedImportService {
  constructor(
    private readonly db: DataSource,
    private readonly bulk: BulkIntakeService,
    private readonly config: AppConfig,
  ) {}

  async import(
    items: AsyncIterable<FeedItem>,
    source: { kind: SourceKind; name: string },
    { onProgress, phases = {}, chunkSize = FEED_CHUNK }: FeedImportOptions = {},
  ): Promise<FeedImportReport> {
    const report: FeedImportReport = { lines: 0, created: 0, joined: 0, known: 0, rejected: 0, rejects: [] };
    const windows: Windows = { profiles: new Map(), windows: new Map() };
    const runner = this.db.createQueryRunner();
    await runner.connect();
    const lock = `feed:${source.kind}:${source.name}`;
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [lock]);
      try {
        const iterator = items[Symbol.asyncIterator]();
        let chunk: FeedLine[] = [];
        for (;;) {
          const next = await timed(phases, 'read', () => iterator.next());
          if (next.done) break;
          report.lines++;
          const item = next.value;
          if (item.ok) chunk.push(item.line);
          else {
            report.rejected++;
            if (report.rejects.length < MAX_LISTED_REJECTS) report.rejects.push(item.reject);
          }
          if (chunk.length >= chunkSize) {
            await this.takeChunk(runner, chunk, source, report, windows, phases);
            chunk = [];
            onProgress?.(report);
          }
        }
        if (chunk.length) await this.takeChunk(runner, chunk, source, report, windows, phases);
        onProgress?.(report);
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lock]);
      }
    } finally {
      await runner.release();
    }
    return report;
  }

  private async takeChunk(
    runner: QueryRunner,
    lines: FeedLine[],
    source: { kind: SourceKind; name: string },
    report: FeedImportReport,
    windows: Windows,
    phases: FeedPhases,
  ): Promise<void> {
    const known = (await timed(phases, 'known', () =>
      runner.query(`SELECT digest FROM feed_lines WHERE digest = ANY($1::text[])`, [
        lines.map((l) => l.digest),
      ]),
    )) as { digest: string }[];
    // A line seen earlier in this chunk is known too, as it would be one line after the other.
    const seen = new Set(known.map((r) => r.digest));
    const fresh = lines.filter((line) => {
      if (seen.has(line.digest)) return void report.known++;
      seen.add(line.digest);
      return true;
    });
    if (!fresh.length) return;
    const who = await timed(phases, 'attribution', () => attributeMany(runner.manager, fresh));
    const open = await timed(phases, 'aggregates', () => this.openAggregates(runner, source, fresh, who));
    await timed(phases, 'windows', () => this.loadWindows(runner, fresh, who, windows));

    const opened: Aggregate[] = [];
    const touched = new Set<Aggregate>();
    fresh.forEach((line, k) => {
      const { ip, customerId } = who[k];
      const key = aggregateKey(ip, line.category, customerId);
      const at = line.at.getTime();
      const candidates = open.get(key) ?? [];
      let into: Aggregate | undefined;
      for (const a of candidates)
        if (a.windowStart <= at && at < a.windowEnd && (!into || a.windowStart > into.windowStart)) into = a;
      if (into) {
        report.joined++;
        into.added++;
        into.firstSeen = Math.min(into.firstSeen, at);
        into.lastSeen = Math.max(into.lastSeen, at);
        if (!into.sources.has(line.seen)) {
          into.sources.add(line.seen);
          into.addedSources.push(line.seen);
        }
      } else {
        report.created++;
        into = {
          noticeId: null,
          windowStart: at,
          windowEnd: at + windows.windows.get(windowKey(this.profileOf(windows, customerId), line.category))!,
          firstSeen: at,
          lastSeen: at,
          opener: { line, ip, customerId },
          added: 1,
          addedSources: [line.seen],
          sources: new Set([line.seen]),
          digests: [],
        };
        candidates.push(into);
        open.set(key, candidates);
        opened.push(into);
      }
      into.digests.push(line.digest);
      touched.add(into);
    });

    if (opened.length) await timed(phases, 'notices', () => this.openNotices(opened, source));
    await timed(phases, 'write', () => this.write(runner, [...touched], source));
  }

  /** The open aggregates of the chunk's addresses and categories whose windows reach into the chunk's time. */
  private async openAggregates(
    runner: QueryRunner,
    source: { kind: SourceKind; name: string },
    lines: FeedLine[],
    who: { ip: string; customerId: string | null }[],
  ): Promise<Map<string, Aggregate[]>> {
    const pairs = new Map(lines.map((l, k) => [`${who[k].ip} ${l.category}`, [who[k].ip, l.category]]));
    const times = lines.map((l) => l.at.getTime());
    const rows = (await runner.query(
      `SELECT a.notice_id, host(a.ip) AS ip, a.category, a.customer_id, a.window_start, a.window_end,
              a.first_seen, a.last_seen, a.sources
         FROM notice_aggregates a JOIN notices n ON n.id = a.notice_id
        WHERE a.source_kind = $1 AND a.source_name = $2
          AND (a.ip, a.category) IN (SELECT * FROM unnest($3::inet[], $4::text[]))
          AND a.window_start <= $6 AND $5 < a.window_end AND n.state <> 'closed'`,
      [
        source.kind,
        source.name,
        [...pairs.values()].map((p) => p[0]),
        [...pairs.values()].map((p) => p[1]),
        new Date(Math.min(...times)),
        new Date(Math.max(...times)),
      ],
    )) as {
      notice_id: string;
      ip: string;
      category: Category;
      customer_id: string | null;
      window_start: Date;
      window_end: Date;
      first_seen: Date;
      last_seen: Date;
      sources: string[];
    }[];
    const open = new Map<string, Aggregate[]>();
    for (const r of rows) {
      const key = aggregateKey(r.ip, r.category, r.customer_id);
      open.set(key, [
        ...(open.get(key) ?? []),
        {
          noticeId: r.notice_id,
          windowStart: r.window_start.getTime(),
          windowEnd: r.window_end.getTime(),
          firstSeen: r.first_seen.getTime(),
          lastSeen: r.last_seen.getTime(),
          added: 0,
          addedSources: [],
          sources: new Set(r.sources),
          digests: [],
        },
      ]);
    }
    return open;
  }

  /** The aggregation window of every customer's policy and category in the chunk, into `windows`. */
  private async loadWindows(
    runner: QueryRunner,
    lines: FeedLine[],
    who: { customerId: string | null }[],
    windows: Windows,
  ): Promise<void> {
    const customers = [...new Set(who.flatMap((w) => (w.customerId ? [w.customerId] : [])))].filter(
      (id) => !windows.profiles.has(id),
    );
    if (customers.length) {
      const contracts = await runner.manager
        .getRepository(ContractEntity)
        .findBy({ customerId: In(customers) });
      for (const id of customers)
        windows.profiles.set(
          id,
          contracts.find((c) => c.customerId === id)?.policyProfile ?? this.config.env.POLICY_PROFILE,
        );
    }
    for (const [k, line] of lines.entries()) {
      const profile = this.profileOf(windows, who[k].customerId);
      const key = windowKey(profile, line.category);
      if (windows.windows.has(key)) continue;
      const policy = await policyInForce(runner.manager, profile, new Date(), 'default');
      windows.windows.set(
        key,
        durationToMs(policy?.categories[line.category]?.aggregationWindow ?? DEFAULT_WINDOW),
      );
    }
  }

  private profileOf(windows: Windows, customerId: string | null): string {
    return (customerId && windows.profiles.get(customerId)) || this.config.env.POLICY_PROFILE;
  }

  /** The new aggregates' notices, through the batch intake: stored a few statements at a time, started many at once. */
  private async openNotices(opened: Aggregate[], source: { kind: SourceKind; name: string }): Promise<void> {
    const outcomes = await this.bulk.submit(
      opened.map((a) => {
        const { line } = a.opener!;
        return {
          dto: {
            source: { kind: source.kind, name: source.name },
            sourceReference: `feed:${line.ip}:${line.category}:${line.at.toISOString()}`,
            category: line.category,
            urls: [],
            ip: line.ip,
            observedAt: line.at.toISOString(),
            description: `Seen ${line.seen} by ${source.name}`,
          },
          extras: {
            channel: 'feed',
            reportedType: `feed/${line.type}`,
            // The account of the whole chunk's lines: the notice is made after they were all taken.
            reportDetails: summary(a.added, a.firstSeen, a.lastSeen, [...a.sources]),
          },
        };
      }),
    );
    // A notice that could not be made stops the run, as before: the lines after it are taken when it runs again.
    outcomes.forEach((o, i) => {
      if (o.status === 'failed') throw o.error;
      opened[i].noticeId = o.id;
    });
  }

  /** The chunk's new aggregates, the additions to earlier ones (and their notices' accounts) and its lines' digests. */
  private async write(
    runner: QueryRunner,
    touched: Aggregate[],
    source: { kind: SourceKind; name: string },
  ): Promise<void> {
    const opened = touched.filter((a) => a.opener);
    const joined = touched.filter((a) => !a.opener);
    await runner.startTransaction();
    try {
      // A notice the batch intake found already made (a run cut short before its aggregate) keeps what it has.
      if (opened.length)
        await runner.query(
          `INSERT INTO notice_aggregates (notice_id, source_kind, source_name, ip, category, customer_id,
             window_start, window_end, first_seen, last_seen, occurrences, sources)
           SELECT r.notice_id, $2, $3, r.ip::inet, r.category, r.customer_id, r.window_start, r.window_end,
                  r.first_seen, r.last_seen, r.occurrences, ARRAY(SELECT jsonb_array_elements_text(r.sources))
             FROM jsonb_to_recordset($1::jsonb) AS r(notice_id uuid, ip text, category text, customer_id uuid,
                  window_start timestamptz, window_end timestamptz, first_seen timestamptz, last_seen timestamptz,
                  occurrences int, sources jsonb)
           ON CONFLICT (notice_id) DO NOTHING`,
          [
            JSON.stringify(
              opened.map((a) => ({
                notice_id: a.noticeId,
                ip: a.opener!.ip,
                category: a.opener!.line.category,
                customer_id: a.opener!.customerId,
                window_start: new Date(a.windowStart),
                window_end: new Date(a.windowEnd),
                first_seen: new Date(a.firstSeen),
                last_seen: new Date(a.lastSeen),
                occurrences: a.added,
                sources: a.addedSources,
              })),
            ),
            source.kind,
            source.name,
          ],
        );
      // Additions, not overwrites; the notices' accounts from what the aggregates then hold.
      if (joined.length)
        await runner.query(
          `WITH r AS (
             SELECT * FROM jsonb_to_recordset($1::jsonb)
               AS r(notice_id uuid, added int, first_seen timestamptz, last_seen timestamptz, sources jsonb)
           ), a AS (
             UPDATE notice_aggregates a SET occurrences = a.occurrences + r.added,
                    first_seen = least(a.first_seen, r.first_seen), last_seen = greatest(a.last_seen, r.last_seen),
                    sources = a.sources || ARRAY(SELECT s FROM jsonb_array_elements_text(r.sources) s
                                                  WHERE s <> ALL (a.sources))
               FROM r WHERE a.notice_id = r.notice_id
             RETURNING a.notice_id, a.occurrences, a.first_seen, a.last_seen, a.sources
           )
           UPDATE notices n SET report_details = coalesce(n.report_details, '{}'::jsonb) || jsonb_build_object(
               'occurrences', a.occurrences,
               'firstSeen', to_char(a.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'lastSeen', to_char(a.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'sources', to_jsonb(a.sources))
             FROM a WHERE n.id = a.notice_id`,
          [
            JSON.stringify(
              joined.map((a) => ({
                notice_id: a.noticeId,
                added: a.added,
                first_seen: new Date(a.firstSeen),
                last_seen: new Date(a.lastSeen),
                sources: a.addedSources,
              })),
            ),
          ],
        );
      await runner.query(
        `INSERT INTO feed_lines (digest, notice_id) SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING`,
        [touched.flatMap((a) => a.digests), touched.flatMap((a) => a.digests.map(() => a.noticeId))],
      );
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
  }
}

/** For one run: policy profile by customer, aggregation window by profile and category. */
interface Windows {
  profiles: Map<string, string>;
  windows: Map<string, number>;
}

const aggregateKey = (ip: string, category: string, customerId: string | null) =>
  `${ip} ${category} ${customerId ?? '-'}`;
const windowKey = (profile: string, category: string) => `${profile} ${category}`;

/** Runs `fn`, adding the time it took to `phases[name]`. */
async function timed<T>(phases: FeedPhases, name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    phases[name] = (phases[name] ?? 0) + performance.now() - started;
  }
}

/** The notice's own account of its occurrences, as the desk and the API read it (`reportDetails`). */
function summary(occurrences: number, firstSeen: number, lastSeen: number, sources: string[]) {
  return {
    occurrences,
    firstSeen: new Date(firstSeen).toISOString(),
    lastSeen: new Date(lastSeen).toISOString(),
    sources,
  };
}
