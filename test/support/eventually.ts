/**
 * Polls `probe` until it returns a value that `done` accepts, for state that another process (worker, workflow)
 * changes. Bounded: it fails with the last value seen instead of hanging.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const started = Date.now();
  let last: T;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    const waited = Date.now() - started;
    if (waited > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    // A fifth of the time waited so far (25 to 500 ms): a change after a second is seen within about 200 ms, where
    // a delay doubling from 25 ms had reached 500 ms by then; a long wait is polled no harder than before.
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(25, waited / 5))));
  }
}
