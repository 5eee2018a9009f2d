/**
 * Polls `probe` until it returns a value that `done` accepts, for state that another process (worker, workflow)
 * changes. Bounded: it fails with the last value seen instead of hanging.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > until)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
