import { Injectable, Logger } from '@nestjs/common';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { redactUrl } from '@takedown/domain';
import type { HostResolution, IntakeExtras } from '@takedown/intake';
import { AuditTrail, NoticeRepository } from '@takedown/persistence';
import type { CreateNoticeDto } from './notice.dto';
import { newNoticeRows, submitAudit } from './notice-rows';
import { NoticesService, reportStatus } from './notices.service';

export interface BulkItem {
  dto: CreateNoticeDto;
  extras: IntakeExtras;
  /** The answer for the host name the report named instead of an address (IntakeService resolves them). */
  resolution?: HostResolution;
}

export type BulkOutcome =
  { status: 'created' | 'existing'; id: string } | { status: 'failed'; error: unknown };

/**
 * Workflow starts in flight at once for one batch. A start waits mostly for the server's write, so more in flight
 * means more per second: on the dev server, 32 at a time gave 1.3x the starts per second of 16
 * (`npm run bench:intake`).
 */
export const START_CONCURRENCY = 32;

/**
 * How long one start may wait for Temporal. Longer than a single request's five seconds: a batch is about
 * throughput, and a busy server answers 16 starts at once slowly; an unreachable one still fails at once.
 */
const START_DEADLINE_MS = 15_000;

/**
 * Items stored per transaction. Small enough that the first workflows start soon and the next chunks are stored
 * while they do; well under PostgreSQL's 65,535 parameters per INSERT (a notice row has 16).
 */
const STORE_CHUNK = 100;

/**
 * URL locks per transaction at most. Each URL is an advisory lock held to the commit, and PostgreSQL's shared lock
 * table holds about 64 per connection (7,800 with the default 100 connections and max_locks_per_transaction):
 * 100 items of 100 URLs each would take 10,000 and fail every other transaction with "out of shared memory".
 */
export const MAX_URL_LOCKS_PER_TRANSACTION = 1_000;

/**
 * The items (by index) in runs stored one transaction each: at most `maxItems` items and `maxLocks` URLs a run, in
 * order; an item with more URLs than `maxLocks` is a run of its own.
 */
export function storeRuns(
  indexes: number[],
  urlsOf: (i: number) => number,
  maxItems: number,
  maxLocks: number,
) {
  const runs: number[][] = [];
  let run: number[] = [];
  let locks = 0;
  for (const i of indexes) {
    const urls = urlsOf(i);
    if (run.length && (run.length >= maxItems || locks + urls > maxLocks)) {
      runs.push(run);
      run = [];
      locks = 0;
    }
    run.push(i);
    locks += urls;
  }
  if (run.length) runs.push(run);
  return runs;
}

/**
 * The batch intake: the same rules as NoticesService.submit (one notice per source reference, a report of a URL an
 * open notice covers joins it), with the database work done for many items at once.
 *
 * Items that simply open a new notice (the bulk of any import) are looked up, locked and inserted a chunk at a time,
 * each chunk in one transaction with a few statements, and their workflows started while the next chunk is stored,
 * many at a time. Items that need more (a URL that an
 * open notice or an earlier item of the batch already covers, mail waiting for triage) go through the one-at-a-time
 * intake after that, so that every special case keeps exactly one implementation.
 *
 * Unlike a single notice, the rows commit before the workflows start. A start refused because Temporal is down
 * removes its rows again (the item is reported as retryable); after a crash in between, sending the item again finds
 * the notice still `received` and starts its workflow then (NoticesService.submit does the same).
 */
@Injectable()
export class BulkIntakeService {
  private readonly logger = new Logger(BulkIntakeService.name);

  constructor(
    private readonly repo: NoticeRepository,
    private readonly audit: AuditTrail,
    private readonly notices: NoticesService,
  ) {}

  async submit(items: BulkItem[]): Promise<BulkOutcome[]> {
    const outcomes: (BulkOutcome | undefined)[] = new Array(items.length);
    const known = await this.repo.transaction((tx) => this.knownReports(tx, items));
    const fresh: number[] = [];
    const oneByOne: number[] = [];
    const firstOfReference = new Map<string, number>();
    const claimedUrls = new Set<string>();
    items.forEach((item, i) => {
      const ref = referenceKey(item.dto);
      const noticeId = known.get(ref);
      if (noticeId) return void (outcomes[i] = { status: 'existing', id: noticeId });
      // The same reference twice in one batch is one notice: the later item is answered after the first.
      // A resolved host may make several notices (one per customer holding an address): the one intake does that.
      if (firstOfReference.has(ref) || item.extras.needsTriage || item.resolution)
        return void oneByOne.push(i);
      firstOfReference.set(ref, i);
      if (item.dto.urls.some((u) => claimedUrls.has(u))) return void oneByOne.push(i);
      item.dto.urls.forEach((u) => claimedUrls.add(u));
      fresh.push(i);
    });

    // One moment of receipt for the batch: the rows and the workflows' deadlines count from it.
    const receivedAt = new Date();
    const starts = new WorkflowStarts(START_CONCURRENCY, (i) =>
      this.notices.startWorkflow(
        (outcomes[i] as { id: string }).id,
        items[i].dto.category,
        receivedAt,
        START_DEADLINE_MS,
      ),
    );
    // Chunk after chunk: each chunk's workflows start while the next chunk is stored, so that the database work
    // hides behind the starts instead of coming before them.
    let failure: unknown = null;
    const runs = storeRuns(
      fresh,
      (i) => items[i].dto.urls.length,
      STORE_CHUNK,
      MAX_URL_LOCKS_PER_TRANSACTION,
    );
    for (const chunk of runs) {
      if (starts.down || failure) {
        // Temporal refused, or the database failed: nothing more is stored, the rest is answered with why.
        for (const i of chunk) outcomes[i] = { status: 'failed', error: starts.down ?? failure };
        continue;
      }
      try {
        starts.add(await this.storeFresh(items, chunk, outcomes, oneByOne, receivedAt));
      } catch (err) {
        if (isDataError(err) || isUniqueViolation(err)) {
          // PostgreSQL refused a value of some item (a NUL character in text, say), or a concurrent request stored
          // one of the chunk's source references first: one by one, each gets its answer.
          for (const i of chunk) outcomes[i] = undefined;
          oneByOne.push(...chunk.filter((i) => !oneByOne.includes(i)));
        } else {
          failure = err;
          for (const i of chunk) outcomes[i] = { status: 'failed', error: err };
        }
      }
    }
    oneByOne.sort((a, b) => a - b);
    const refused = await starts.settled();
    for (const i of starts.started) this.logReceived(items[i], outcomes[i] as { id: string });
    const down = refused.length ? await this.undo(refused, outcomes) : null;
    // The notices stored so far start (or were taken back); then the database failure is the request's.
    if (failure) throw failure;
    for (const i of oneByOne) {
      if (down) {
        outcomes[i] = { status: 'failed', error: down };
        continue;
      }
      try {
        const { dto, extras, resolution } = items[i];
        const result = await this.notices.submit(dto, extras, resolution);
        outcomes[i] = { status: reportStatus(result), id: result.notice.id };
      } catch (error) {
        outcomes[i] = { status: 'failed', error };
      }
    }
    await this.resumeUnstarted(outcomes);
    return outcomes as BulkOutcome[];
  }

  /** Inserts a chunk of fresh items in one transaction; returns the indexes of those that opened a notice. */
  private async storeFresh(
    items: BulkItem[],
    fresh: number[],
    outcomes: (BulkOutcome | undefined)[],
    oneByOne: number[],
    receivedAt: Date,
  ): Promise<number[]> {
    return this.repo.transaction(async (tx) => {
      await this.repo.lockUrls(
        tx,
        fresh.flatMap((i) => items[i].dto.urls),
      );
      // Under the locks: what a concurrent request stored meanwhile.
      const known = await this.knownReports(
        tx,
        fresh.map((i) => items[i]),
      );
      const covered = await this.repo.openCovering(
        tx,
        fresh.map((i) => items[i].dto.urls),
      );
      const inserting: number[] = [];
      fresh.forEach((i, k) => {
        const noticeId = known.get(referenceKey(items[i].dto));
        if (noticeId) outcomes[i] = { status: 'existing', id: noticeId };
        else if (covered.has(k)) oneByOne.push(i);
        else inserting.push(i);
      });
      const rows = inserting.map((i) => {
        const made = newNoticeRows(items[i].dto, items[i].extras, receivedAt);
        outcomes[i] = { status: 'created', id: made.notice.id };
        return made;
      });
      if (rows.length) {
        await this.repo.insertMany(tx, rows);
        // Last in the transaction: the audit chain's lock is then held only for the commit.
        await this.audit.recordMany(
          inserting.map((i, k) => submitAudit(items[i].dto, items[i].extras, rows[k].notice.id, 'batch')),
          tx,
        );
      }
      return inserting;
    });
  }

  private logReceived(item: BulkItem, outcome: { id: string }): void {
    const { dto } = item;
    this.logger.log(
      {
        noticeId: outcome.id,
        category: dto.category,
        channel: item.extras.channel ?? 'batch',
        urls: dto.category === 'csam' ? dto.urls.map(redactUrl) : dto.urls,
      },
      'notice received',
    );
  }

  /** Takes the notices whose workflow Temporal refused back out; returns why it refused. */
  private async undo(
    refused: { i: number; error: unknown }[],
    outcomes: (BulkOutcome | undefined)[],
  ): Promise<unknown> {
    const down = refused[0].error;
    const ids = refused.map((r) => (outcomes[r.i] as { id: string }).id);
    await this.repo.transaction(async (tx) => {
      await this.repo.remove(tx, ids);
      // The audit trail keeps the submission; this says it was taken back, and why.
      await this.audit.recordMany(
        ids.map((id) => ({
          action: 'notice.submit_undone',
          target: { type: 'notice', id },
          summary: { reason: `the workflow could not start: ${(down as Error).message}` },
        })),
        tx,
      );
    });
    for (const r of refused) outcomes[r.i] = { status: 'failed', error: r.error };
    return down;
  }

  /**
   * Items answered `existing` whose notice never got its workflow (a crash between commit and start) get it now.
   * A notice still `received` may also just be young; starting it again is a no-op (same workflow id, the
   * running workflow is kept).
   */
  private async resumeUnstarted(outcomes: (BulkOutcome | undefined)[]): Promise<void> {
    const existing = outcomes.flatMap((o) => (o?.status === 'existing' ? [o.id] : []));
    if (!existing.length) return;
    const stalled = await this.repo.stillReceived(existing);
    for (const n of stalled) await this.notices.startWorkflow(n.id, n.category, n.receivedAt);
  }

  private async knownReports(tx: EntityManager, items: BulkItem[]): Promise<Map<string, string>> {
    const rows = await this.repo.knownReports(
      tx,
      items.map((i) => ({
        sourceKind: i.dto.source.kind,
        sourceName: i.dto.source.name,
        sourceReference: i.dto.sourceReference,
      })),
    );
    return new Map(
      rows.map((r) => [
        referenceKey({
          source: { kind: r.sourceKind, name: r.sourceName },
          sourceReference: r.sourceReference,
        }),
        r.noticeId,
      ]),
    );
  }
}

function isDataError(err: unknown): boolean {
  return err instanceof QueryFailedError && !!(err.driverError as { code?: string }).code?.startsWith('22');
}

/** Another request committed the same source reference between this chunk's look-up and its insert. */
function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';
}

function referenceKey(dto: { source: { kind: string; name: string }; sourceReference: string }): string {
  return JSON.stringify([dto.source.kind, dto.source.name, dto.sourceReference]);
}

/**
 * Workflow starts, `concurrency` at a time, for notices as their chunks are stored. Once Temporal refused one, the
 * rest are not tried (each would wait for the same deadline) and are reported refused with the same reason.
 */
class WorkflowStarts {
  readonly started: number[] = [];
  private readonly refused: { i: number; error: unknown }[] = [];
  private readonly queue: number[] = [];
  private readonly running = new Set<Promise<void>>();
  down: unknown = null;

  constructor(
    private readonly concurrency: number,
    private readonly start: (i: number) => Promise<void>,
  ) {}

  add(items: number[]): void {
    this.queue.push(...items);
    while (this.running.size < this.concurrency && this.queue.length) {
      const run: Promise<void> = this.drain().finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  /** Waits for every start; the ones refused, with why. */
  async settled(): Promise<{ i: number; error: unknown }[]> {
    while (this.running.size) await Promise.all([...this.running]);
    return this.refused;
  }

  private async drain(): Promise<void> {
    for (let i = this.queue.shift(); i !== undefined; i = this.queue.shift()) {
      if (this.down) {
        this.refused.push({ i, error: this.down });
        continue;
      }
      try {
        await this.start(i);
        this.started.push(i);
      } catch (error) {
        this.down ??= error;
        this.refused.push({ i, error });
      }
    }
  }
}
