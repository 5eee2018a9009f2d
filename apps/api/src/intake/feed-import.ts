import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { durationToMs, type SourceKind } from '@takedown/domain';
import type { FeedItem, FeedLine, FeedReject } from '@takedown/intake';
import { attribute, ContractEntity, policyInForce } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { NoticesService } from '../notices/notices.service';

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

/** The aggregation window where a policy sets none: a day, as the scanners' daily reports come. */
const DEFAULT_WINDOW = 'P1D';

/** The most rejects a report lists line by line; the count holds them all. */
const MAX_LISTED_REJECTS = 1000;

/**
 * A feed of IP-based reports into notices (`takedown import feed`): the lines of one address, category and customer
 * (attributed when the line was seen) within the aggregation window of the customer's policy are one notice, with
 * an occurrence count, first and last seen and the sources; the first line opens it through the one intake (so its
 * workflow runs as any notice's), the others add to it. Every line's digest is kept: importing again is a no-op.
 */
@Injectable()
export class FeedImportService {
  constructor(
    private readonly db: DataSource,
    private readonly notices: NoticesService,
    private readonly config: AppConfig,
  ) {}

  async import(
    items: AsyncIterable<FeedItem>,
    source: { kind: SourceKind; name: string },
    onProgress?: (report: FeedImportReport) => void,
  ): Promise<FeedImportReport> {
    const report: FeedImportReport = { lines: 0, created: 0, joined: 0, known: 0, rejected: 0, rejects: [] };
    const windows = new Map<string, number>();
    for await (const item of items) {
      report.lines++;
      if (!item.ok) {
        report.rejected++;
        if (report.rejects.length < MAX_LISTED_REJECTS) report.rejects.push(item.reject);
      } else {
        report[await this.take(item.line, source, windows)]++;
      }
      onProgress?.(report);
    }
    return report;
  }

  private async take(
    line: FeedLine,
    source: { kind: SourceKind; name: string },
    windows: Map<string, number>,
  ): Promise<'created' | 'joined' | 'known'> {
    const [known] = (await this.db.query(`SELECT 1 FROM feed_lines WHERE digest = $1`, [
      line.digest,
    ])) as unknown[];
    if (known) return 'known';
    const found = await attribute(this.db, line.ip, line.at);
    const customerId = found.customer?.id ?? null;
    const joined = await this.db.transaction(async (tx) => {
      // One line of a key at a time, so that two runs never open two notices for one window.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `feed:${source.name}:${line.ip}:${line.category}:${customerId ?? '-'}`,
      ]);
      const [aggregate] = (await tx.query(
        `SELECT a.notice_id FROM notice_aggregates a JOIN notices n ON n.id = a.notice_id
          WHERE a.source_kind = $1 AND a.source_name = $2 AND a.ip = $3::inet AND a.category = $4
            AND a.customer_id IS NOT DISTINCT FROM $5::uuid AND a.window_start <= $6 AND $6 < a.window_end
            AND n.state <> 'closed'
          ORDER BY a.window_start DESC LIMIT 1`,
        [source.kind, source.name, line.ip, line.category, customerId, line.at],
      )) as { notice_id: string }[];
      if (!aggregate) return false;
      await this.addOccurrence(tx, aggregate.notice_id, line);
      return true;
    });
    if (joined) return 'joined';

    const window = await this.windowMs(customerId, line.category, windows);
    const { notice } = await this.notices.submit(
      {
        source: { kind: source.kind, name: source.name },
        sourceReference: `feed:${line.ip}:${line.category}:${line.at.toISOString()}`,
        category: line.category,
        urls: [],
        ip: line.ip,
        observedAt: line.at.toISOString(),
        description: `Seen ${line.seen} by ${source.name}`,
      },
      {
        channel: 'feed',
        reportedType: `feed/${line.type}`,
        reportDetails: summary(1, line.at, line.at, [line.seen]),
      },
    );
    await this.db.transaction(async (tx) => {
      // A run cut short between the notice and this row leaves the notice: its aggregate is made when it comes again.
      await tx.query(
        `INSERT INTO notice_aggregates (notice_id, source_kind, source_name, ip, category, customer_id, window_start,
           window_end, first_seen, last_seen, occurrences, sources)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7, 1, $9) ON CONFLICT (notice_id) DO NOTHING`,
        [
          notice.id,
          source.kind,
          source.name,
          line.ip,
          line.category,
          customerId,
          line.at,
          new Date(line.at.getTime() + window),
          [line.seen],
        ],
      );
      await tx.query(`INSERT INTO feed_lines (digest, notice_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        line.digest,
        notice.id,
      ]);
    });
    return 'created';
  }

  private async addOccurrence(tx: EntityManager, noticeId: string, line: FeedLine): Promise<void> {
    const [rows] = (await tx.query(
      `UPDATE notice_aggregates SET occurrences = occurrences + 1,
         first_seen = least(first_seen, $2), last_seen = greatest(last_seen, $2),
         sources = CASE WHEN $3 = ANY(sources) THEN sources ELSE sources || $3 END
       WHERE notice_id = $1 RETURNING occurrences, first_seen, last_seen, sources`,
      [noticeId, line.at, line.seen],
    )) as [{ occurrences: number; first_seen: Date; last_seen: Date; sources: string[] }[], number];
    const a = rows[0];
    await tx.query(
      `UPDATE notices SET report_details = coalesce(report_details, '{}'::jsonb) || $2::jsonb WHERE id = $1`,
      [noticeId, JSON.stringify(summary(a.occurrences, a.first_seen, a.last_seen, a.sources))],
    );
    await tx.query(`INSERT INTO feed_lines (digest, notice_id) VALUES ($1, $2)`, [line.digest, noticeId]);
  }

  /** The customer's policy's aggregation window for the category (the default profile's for nobody's address). */
  private async windowMs(
    customerId: string | null,
    category: FeedLine['category'],
    cache: Map<string, number>,
  ): Promise<number> {
    const contract = customerId
      ? await this.db.getRepository(ContractEntity).findOneBy({ customerId })
      : null;
    const profile = contract?.policyProfile ?? this.config.env.POLICY_PROFILE;
    const key = `${profile}:${category}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const policy = await policyInForce(this.db, profile, new Date(), 'default');
    const ms = durationToMs(policy?.categories[category]?.aggregationWindow ?? DEFAULT_WINDOW);
    cache.set(key, ms);
    return ms;
  }
}

/** The notice's own account of its occurrences, as the desk and the API read it (`reportDetails`). */
function summary(occurrences: number, firstSeen: Date, lastSeen: Date, sources: string[]) {
  return {
    occurrences,
    firstSeen: new Date(firstSeen).toISOString(),
    lastSeen: new Date(lastSeen).toISOString(),
    sources,
  };
}
