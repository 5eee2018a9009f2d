import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { API_TOKEN_CHANGED_CHANNEL, loadApiToken, type ApiTokenEntity } from '@takedown/persistence';
import { AppConfig } from '../app-config';

/** How long a verified token's row is used without reading it again: the staleness of anything not announced. */
export const TOKEN_CACHE_TTL_MS = 30_000;
/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 10_000;
const RECONNECT_MS = 1_000;

/**
 * The rows of the API tokens this replica verified lately, so that a request costs no database round trip for its
 * token. Safe because the database announces every change that matters for access (`api_token_changed`, a trigger:
 * migration 1796260000000) and this replica listens: a revoked token is forgotten at once, on every replica. Rows are
 * kept only while the listening connection is up; when it drops, everything is forgotten and each request reads its
 * token again until the connection is back. The secret, revocation and expiry are still checked on each use
 * (`checkApiTokenWith`); a row is never older than TOKEN_CACHE_TTL_MS.
 */
@Injectable()
export class TokenCache implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TokenCache.name);
  private readonly rows = new Map<string, { row: ApiTokenEntity; at: number }>();
  private listener: Client | null = null;
  private listening = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  /** Counts announcements: a row read while one arrived may be the old one and is not kept. */
  private changes = 0;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.stopListening();
  }

  /** The token's row: kept if fresh and announced changes are being heard, else read from the database. */
  async load(id: string, now = Date.now()): Promise<ApiTokenEntity | null> {
    const kept = this.rows.get(id);
    if (kept && this.listening && now - kept.at < TOKEN_CACHE_TTL_MS) return kept.row;
    const changesBefore = this.changes;
    const row = await loadApiToken(this.db, id);
    this.rows.delete(id);
    if (row && this.listening && this.changes === changesBefore) {
      if (this.rows.size >= MAX_ENTRIES) this.rows.delete(this.rows.keys().next().value as string);
      this.rows.set(id, { row, at: now });
    }
    return row;
  }

  /** Whether rows are kept now (the listening connection is up). */
  get active(): boolean {
    return this.listening;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.config.env.DATABASE_URL });
    client.on('notification', (msg) => {
      if (msg.channel !== API_TOKEN_CHANGED_CHANNEL) return;
      this.changes++;
      if (msg.payload) this.rows.delete(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${API_TOKEN_CHANGED_CHANNEL}`);
      if (this.closed) return void (await client.end().catch(() => undefined));
      this.listener = client;
      this.listening = true;
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  /** Forget everything, and listen again in a while: changes made meanwhile were not heard. */
  private lost(client: Client, err: Error | null): void {
    if (this.listener !== null && this.listener !== client) return;
    const wasListening = this.listening;
    this.stopListening();
    client.end().catch(() => undefined);
    if (this.closed || this.retry) return;
    if (wasListening) {
      this.logger.warn({ err: err?.message }, 'token changes not heard: tokens are read on every request');
    }
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.listen();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  private stopListening(): void {
    this.listening = false;
    this.rows.clear();
    this.changes++;
    const listener = this.listener;
    this.listener = null;
    listener?.end().catch(() => undefined);
  }
}
