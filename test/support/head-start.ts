/**
 * Starts `work` at once and gives back a function that awaits it. For the part of a test that waits out a real timer
 * (a demo-policy deadline of seconds): started in `beforeAll`, the timers of several tests run at the same time
 * instead of one after the other, and each test awaits its own. A failure is the awaiting test's, not an unhandled
 * rejection in between.
 */
export function headStart<T>(work: () => Promise<T>): () => Promise<T> {
  const running = work();
  running.catch(() => undefined);
  return () => running;
}
