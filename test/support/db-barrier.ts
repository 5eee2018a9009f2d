import { Client } from 'pg';
import { eventually } from './eventually';

/**
 * A barrier in the database for race tests, instead of timing: it holds `table` in EXCLUSIVE mode (reads go on,
 * writes wait), lets `send` start every request, waits until `blocked` sessions wait on a lock, and only then lets
 * them all go. Every request has therefore done its reads before any of them writes.
 */
export async function allAtOnce<T>(
  databaseUrl: string,
  table: string,
  blocked: number,
  send: () => Promise<T>[],
): Promise<T[]> {
  const barrier = new Client({ connectionString: databaseUrl });
  await barrier.connect();
  try {
    await barrier.query('BEGIN');
    await barrier.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
    const pending = send();
    try {
      await lockWaiters(barrier, blocked);
    } finally {
      await barrier.query('ROLLBACK');
    }
    return await Promise.all(pending);
  } finally {
    await barrier.end();
  }
}

/**
 * Resolves once `count` other sessions wait on a lock (those whose query contains `query`, when given), as `barrier`,
 * holding the lock inside its transaction, sees them.
 */
export async function lockWaiters(barrier: Client, count: number, query?: string): Promise<void> {
  await eventually(
    async () => {
      // A transaction sees the activity view as of its first look unless told to look again.
      await barrier.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await barrier.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
           AND ($1::text IS NULL OR strpos(query, $1) > 0)`,
        [query ?? null],
      );
      return Number(rows[0].n);
    },
    (n) => n >= count,
  );
}
