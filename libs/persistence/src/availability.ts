import { Client, Pool } from 'pg';

/** Connection-level failures: the server is down, restarting, or the connection broke. Not a bad query. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
/**
 * TypeORM's words for a transaction whose connection broke under it: when the server goes away mid-request, the
 * driver releases the connection and the transaction's next query finds it gone.
 */
const UNAVAILABLE_NAMES = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is not established/i,
];

/**
 * Whether an error means that PostgreSQL cannot be reached right now (and a retry later may succeed), as opposed
 * to a query that is wrong. SQLSTATE class 08 is "connection exception"; 57P01–57P03 are an administrator's
 * shutdown, a crash shutdown and "cannot connect now" (starting up or shutting down). TypeORM passes connection
 * errors through as they are and wraps query errors in QueryFailedError with the driver's error inside.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const { code, message, name, driverError } = e as {
      code?: unknown;
      message?: unknown;
      name?: unknown;
      driverError?: unknown;
    };
    if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08|^57P0[123]$/.test(code)))
      return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
    e = driverError;
  }
  return false;
}

/**
 * Waits until PostgreSQL answers `SELECT 1`, retrying with exponential backoff (0.25 s doubling to 10 s) and a log
 * line per failed attempt, so that a process started before its database waits for it instead of crashing. Errors
 * that are not about reaching the server (a wrong password, a missing database) are thrown at once: waiting would
 * not fix them.
 */
export async function waitForDatabase(
  url: string,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 10_000)) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    // A goodbye from the server between the answer and end() (it is shutting down) is emitted, not thrown at a query.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) log(`PostgreSQL is reachable (after ${attempt} attempts)`);
      return;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      log(`waiting for PostgreSQL (${(err as Error).message}); attempt ${attempt}, next in ${delay} ms`);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (signal?.aborted) throw new Error('stopped while waiting for PostgreSQL');
  }
}

export interface DatabaseProbe {
  /** Resolves if PostgreSQL answers `SELECT 1` within `timeoutMs`; rejects with the reason otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A health probe with a connection of its own. Pinging through the application's pool would report PostgreSQL
 * down whenever the pool is busy (requests holding connections while they wait for Temporal, say): the probe
 * must only tell whether the server answers.
 */
export function createDatabaseProbe(url: string): DatabaseProbe {
  const pool = new Pool({ connectionString: url, max: 1, idleTimeoutMillis: 30_000 });
  // An idle connection whose server went away: the next ping opens a new one.
  pool.on('error', () => undefined);
  return {
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => pool.end(),
  };
}
