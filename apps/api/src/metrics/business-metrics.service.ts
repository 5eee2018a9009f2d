import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { latestAuditId, readIntakeSince, readOpenWork } from '@takedown/persistence';
import { AppConfig } from '../app-config';
import { ApiMetrics } from './api-metrics';

/**
 * The abuse desk's figures on /metrics next to the technical ones: open notices, overdue ones, ones close to their
 * deadline with nobody on them, open tasks by age, intake by channel. A scrape reads what the last refresh found
 * (every METRICS_REFRESH_SECONDS), never the database, so scrapers and replicas add no load on the notices table.
 * Every API replica reports the whole system: aggregate with max(), not sum() (docs/ops/README.md).
 */
@Injectable()
export class BusinessMetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(BusinessMetricsService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private intakeCursor: string | null = null;
  private readonly openNotices: Gauge<'state' | 'category'>;
  private readonly overdue: Gauge<'category'>;
  private readonly nearDeadline: Gauge<'category'>;
  private readonly openTasks: Gauge<'kind' | 'age'>;
  private readonly intake: Counter<'channel'>;
  private readonly refreshed: Gauge;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    metrics: ApiMetrics,
  ) {
    const registers = [metrics.registry];
    this.openNotices = new Gauge({
      name: 'takedown_notices_open',
      help: 'Notices not closed, by state and category',
      labelNames: ['state', 'category'],
      registers,
    });
    this.overdue = new Gauge({
      name: 'takedown_notices_overdue',
      help: 'Open notices past their deadline, by category',
      labelNames: ['category'],
      registers,
    });
    this.nearDeadline = new Gauge({
      name: 'takedown_notices_near_deadline_unattended',
      help: 'Open notices due within 15 minutes with no answer yet (no removal claimed, nothing decided), by category',
      labelNames: ['category'],
      registers,
    });
    this.openTasks = new Gauge({
      name: 'takedown_tasks_open',
      help: 'Open tasks for people, by kind and age (under_1h, 1h_to_4h, 4h_to_24h, over_24h)',
      labelNames: ['kind', 'age'],
      registers,
    });
    this.intake = new Counter({
      name: 'takedown_intake_notices_total',
      help: 'Notices and joined reports taken in since this process started, by channel (api, xarf, batch, mail-arf, mail-xarf, mail-plain)',
      labelNames: ['channel'],
      registers,
    });
    this.refreshed = new Gauge({
      name: 'takedown_business_metrics_refreshed_seconds',
      help: 'Unix time of the last successful refresh of the business metrics',
      registers,
    });
  }

  onApplicationBootstrap(): void {
    let inFlight = false;
    const tick = () => {
      if (inFlight) return;
      inFlight = true;
      this.running = this.refresh().finally(() => (inFlight = false));
    };
    this.timer = setInterval(tick, this.config.env.METRICS_REFRESH_SECONDS * 1000);
    this.timer.unref();
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One refresh; a failure (the database down) is logged, the last figures stay, and the next one tries again. */
  async refresh(): Promise<void> {
    try {
      const work = await readOpenWork(this.db.manager);
      // Labels that are gone (a state emptied) must read 0, not their last value: reset, then set.
      this.openNotices.reset();
      for (const r of work.openNotices) this.openNotices.set({ state: r.state, category: r.category }, r.n);
      this.overdue.reset();
      for (const r of work.overdue) this.overdue.set({ category: r.category }, r.n);
      this.nearDeadline.reset();
      for (const r of work.nearDeadlineUnattended) this.nearDeadline.set({ category: r.category }, r.n);
      this.openTasks.reset();
      for (const r of work.openTasks) this.openTasks.set({ kind: r.kind, age: r.age }, r.n);
      if (this.intakeCursor === null) this.intakeCursor = await latestAuditId(this.db.manager);
      else {
        const since = await readIntakeSince(this.db.manager, this.intakeCursor);
        for (const r of since.byChannel) this.intake.inc({ channel: r.channel }, r.n);
        this.intakeCursor = since.lastId;
      }
      this.refreshed.set(Date.now() / 1000);
    } catch (err) {
      this.log.warn(
        `refreshing the business metrics failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
