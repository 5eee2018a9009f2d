import { Pool } from 'pg';

export interface NoticeSnapshot {
  id: string;
  state: string;
  outcome: string | null;
  openTasks: { id: string; kind: string }[];
}

interface Waiter {
  done: (n: NoticeSnapshot) => boolean;
  resolve: (n: NoticeSnapshot) => void;
  reject: (err: Error) => void;
  until: number;
}

/**
 * Reads the state of every notice of the run from PostgreSQL once a second (one query, not one request per notice)
 * and wakes the customers and desk people who wait for a notice to reach a state. While PostgreSQL is down it just
 * tries again.
 */
export class NoticeWatcher {
  private readonly pool: Pool;
  private readonly waiters = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    databaseUrl: string,
    private readonly sourceName: string,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 3000 });
    // An idle client whose server went away: the next query gets a new one.
    this.pool.on('error', () => undefined);
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), 1000);
  }

  /** Resolves when the notice satisfies `done`; rejects after `timeoutMs`. */
  until(id: string, done: (n: NoticeSnapshot) => boolean, timeoutMs = 600_000): Promise<NoticeSnapshot> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ done, resolve, reject, until: Date.now() + timeoutMs });
      this.waiters.set(id, list);
    });
  }

  get waiting(): number {
    let n = 0;
    for (const list of this.waiters.values()) n += list.length;
    return n;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.waiters.size === 0) return;
    this.polling = true;
    try {
      const { rows } = await this.pool.query<{
        id: string;
        state: string;
        outcome: string | null;
        open_tasks: { id: string; kind: string }[] | null;
      }>(
        `SELECT n.id, n.state, n.outcome,
           (SELECT json_agg(json_build_object('id', t.id, 'kind', t.kind) ORDER BY t.created_at)
              FROM tasks t WHERE t.notice_id = n.id AND t.status = 'open') AS open_tasks
         FROM notices n WHERE n.source_name = $1 AND n.id = ANY($2::uuid[])`,
        [this.sourceName, [...this.waiters.keys()]],
      );
      for (const row of rows) {
        const snapshot = {
          id: row.id,
          state: row.state,
          outcome: row.outcome,
          openTasks: row.open_tasks ?? [],
        };
        const list = this.waiters.get(row.id) ?? [];
        const left = list.filter((w) => {
          if (w.done(snapshot)) return (w.resolve(snapshot), false);
          return true;
        });
        if (left.length) this.waiters.set(row.id, left);
        else this.waiters.delete(row.id);
      }
    } catch {
      // PostgreSQL is down: the next poll tries again.
    } finally {
      this.polling = false;
      const now = Date.now();
      for (const [id, list] of this.waiters) {
        const left = list.filter((w) => {
          if (now > w.until) return (w.reject(new Error(`notice ${id} did not get there in time`)), false);
          return true;
        });
        if (left.length) this.waiters.set(id, left);
        else this.waiters.delete(id);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pool.end();
  }
}
