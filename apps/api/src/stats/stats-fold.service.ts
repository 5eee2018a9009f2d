import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { foldNoticeStats } from '@takedown/persistence';

/** How often the API folds the notices' stats deltas into the rollups (reads are exact either way). */
export const STATS_FOLD_INTERVAL_MS = 5_000;

/**
 * Keeps the transparency stats' rollups small to read: every few seconds, the deltas the notices' triggers appended
 * are folded into the daily and hourly rows. Any replica may run it; one fold runs at a time (`foldNoticeStats`).
 */
@Injectable()
export class StatsFoldService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(StatsFoldService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    let inFlight = false;
    const tick = () => {
      // A fold that outlasts the interval is not joined by another (it would find the lock taken).
      if (inFlight) return;
      inFlight = true;
      this.running = this.fold().finally(() => (inFlight = false));
    };
    this.timer = setInterval(tick, STATS_FOLD_INTERVAL_MS);
    this.timer.unref();
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One fold; a failure is logged and the next interval tries again. */
  async fold(): Promise<number | null> {
    try {
      return await foldNoticeStats(this.db.manager);
    } catch (err) {
      this.log.warn(`folding the notice stats failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
}
