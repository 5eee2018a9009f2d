import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../app-config';
import type { Visibility } from '../auth/principal';

/** What a stream carries of one timeline step: what changed on which notice, never what was reported. */
export interface NoticeFeedEvent {
  id: string;
  noticeId: string;
  type: string;
  state: string;
  occurredAt: string;
}

/** An event with what decides who may read it (`onlyVisibleNotices`' rule, in memory). */
interface Row extends NoticeFeedEvent {
  accountManagerEmail: string | null;
  sources: string[];
}

export interface Listener {
  /** Events this subscriber may see, in the order of their ids. */
  events(events: NoticeFeedEvent[]): void;
  /** The feed stopped (its connection was lost, or the API is shutting down): events may be missed from here. */
  end(): void;
}

const CHANNEL = 'notice_events';
/** Notifications that arrive within this many ms are read in one query. */
const BATCH_MS = 10;
/** A resume replays at most this many events; a client further behind reloads (the stream says so). */
export const REPLAY_MAX = 1000;

const SELECT_EVENTS = `
  SELECT e.id::text AS id, e.notice_id AS "noticeId", e.type, n.state, e.occurred_at AS "occurredAt",
         c.account_manager_email AS "accountManagerEmail",
         ARRAY(SELECT r.source_kind || '/' || r.source_name FROM notice_reports r WHERE r.notice_id = e.notice_id)
           AS sources
  FROM notice_events e
  JOIN notices n ON n.id = e.notice_id
  LEFT JOIN customers c ON c.id = n.customer_id`;

/**
 * The timeline as a live feed, for `GET /v1/events`. One PostgreSQL connection per API process LISTENs on the channel
 * migration 1796202000000 notifies at every step's commit, whichever process wrote it; the steps are read by id and
 * handed to each subscriber that may see their notice. The connection is opened with the first subscriber, and
 * again by the first after a loss.
 */
@Injectable()
export class NoticeEventFeed implements OnModuleDestroy {
  private readonly logger = new Logger(NoticeEventFeed.name);
  private readonly subscribers = new Map<Listener, Visibility>();
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Listens (connecting first when needed); resolves once notifications are being received. */
  async subscribe(visibility: Visibility, listener: Listener): Promise<() => void> {
    this.subscribers.set(listener, visibility);
    try {
      await this.listen();
    } catch (err) {
      this.subscribers.delete(listener);
      throw err;
    }
    return () => this.subscribers.delete(listener);
  }

  /** The events after `afterId` this reader may see, oldest first; `more` when there were more than REPLAY_MAX. */
  async since(
    afterId: string,
    visibility: Visibility,
  ): Promise<{ events: NoticeFeedEvent[]; more: boolean }> {
    const rows = (await this.db.query(`${SELECT_EVENTS} WHERE e.id > $1 ORDER BY e.id LIMIT $2`, [
      afterId,
      REPLAY_MAX + 1,
    ])) as Row[];
    return {
      events: rows
        .slice(0, REPLAY_MAX)
        .filter((r) => visible(r, visibility))
        .map(event),
      more: rows.length > REPLAY_MAX,
    };
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    // Open streams would hold the HTTP server's close: they end, and their clients reconnect to another replica.
    this.endAll();
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private listen(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.env.DATABASE_URL,
      connectionTimeoutMillis: 5000,
    });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.queue(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  /**
   * The connection is gone, and with it what was notified meanwhile: the streams end, and their clients reconnect
   * with their last id, which replays what they missed; the first of them opens a new connection.
   */
  private lost(client: Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.closed) return;
    this.logger.warn({ err: err?.message }, 'the notice event feed lost its database connection');
    this.endAll();
    void client.end().catch(() => undefined);
  }

  private endAll(): void {
    const listeners = [...this.subscribers.keys()];
    this.subscribers.clear();
    for (const listener of listeners) listener.end();
  }

  private queue(id: string): void {
    this.pending.push(id);
    this.flushTimer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  private async flush(): Promise<void> {
    const ids = this.pending;
    this.pending = [];
    this.flushTimer = null;
    if (!this.subscribers.size) return;
    let rows: Row[];
    try {
      rows = (await this.db.query(`${SELECT_EVENTS} WHERE e.id = ANY($1::bigint[]) ORDER BY e.id`, [
        ids,
      ])) as Row[];
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, events: ids.length }, 'notice events not read');
      return;
    }
    for (const [listener, visibility] of this.subscribers) {
      const mine = rows.filter((r) => visible(r, visibility)).map(event);
      if (mine.length) listener.events(mine);
    }
  }
}

/** The rule of `onlyVisibleNotices`: an account manager its customers' notices, a source those it reported. */
function visible(r: Row, v: Visibility): boolean {
  if (v.all) return true;
  if (v.accountManagerEmail && r.accountManagerEmail === v.accountManagerEmail) return true;
  return !!v.source && r.sources.includes(`${v.source.kind}/${v.source.name}`);
}

function event(r: Row): NoticeFeedEvent {
  return {
    id: r.id,
    noticeId: r.noticeId,
    type: r.type,
    state: r.state,
    occurredAt: new Date(r.occurredAt).toISOString(),
  };
}
