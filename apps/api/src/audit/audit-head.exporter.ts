import { appendFile } from 'node:fs/promises';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { readAuditHead, signAuditHead, type SignedAuditHead } from '@takedown/persistence';
import { AppConfig } from '../app-config';

/**
 * With AUDIT_HEAD_KEY set, every AUDIT_HEAD_EVERY_SECONDS the chain's head, when it moved, is signed and taken out
 * of PostgreSQL: to the log (one `audit head` line) and, with AUDIT_HEAD_FILE, appended to that file. `takedown audit
 * verify --heads FILE` checks the chain against them. Every replica exports; the heads agree, being the chain's.
 */
@Injectable()
export class AuditHeadExporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(AuditHeadExporter.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private lastId: string | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.env.AUDIT_HEAD_KEY) return;
    let inFlight = false;
    this.timer = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      this.running = this.exportHead().finally(() => (inFlight = false));
    }, this.config.env.AUDIT_HEAD_EVERY_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One export; null when there is no key, no row, or no new row since the last. A failure waits for the next. */
  async exportHead(): Promise<SignedAuditHead | null> {
    const { AUDIT_HEAD_KEY: key, AUDIT_HEAD_FILE: file } = this.config.env;
    if (!key) return null;
    try {
      const head = await readAuditHead(this.db);
      if (!head || head.id === this.lastId) return null;
      const signed = signAuditHead(key, head);
      this.log.log({ auditHead: signed }, 'audit head');
      if (file) await appendFile(file, `${JSON.stringify(signed)}\n`, { mode: 0o600 });
      this.lastId = head.id;
      return signed;
    } catch (err) {
      this.log.warn(`exporting the audit head failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
}
