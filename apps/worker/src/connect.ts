/**
 * Retries a connection with exponential backoff (0.25 s doubling to 10 s) and a log line per failed attempt, for as
 * long as it takes: a worker started before its Temporal server (or during a restart of it) waits instead of
 * crashing. `signal` ends the wait, for a shutdown that comes first.
 */
export async function connectWithBackoff<T>(
  what: string,
  connect: () => Promise<T>,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 10_000)) {
    try {
      const connected = await connect();
      if (attempt > 1) log(`${what} is reachable (after ${attempt} attempts)`);
      return connected;
    } catch (err) {
      log(`waiting for ${what} (${(err as Error).message}); attempt ${attempt}, next in ${delay} ms`);
    }
    await sleep(delay, signal);
    if (signal?.aborted) throw new Error(`stopped while waiting for ${what}`);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
