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

/**
 * How long a browser page's waits wait at most: a console tab's locators and navigations (openTab) and the text
 * checks below. Twice Playwright's default, for a page on a machine running the whole suite (see openTab).
 */
export const PAGE_WAIT_MS = 60_000;

/** What a test reads of a page's element: its rendered text (a Playwright locator). */
interface RenderedText {
  innerText(): Promise<string>;
}

/**
 * Waits until the element's text is `expected` (a RegExp: until it matches), as the page renders it. A page shows an
 * element before its text is final (a query still loading, a mutation's answer, a locale switched): one read races
 * that. Fails with the text last seen.
 */
export function expectText(
  element: RenderedText,
  expected: string | RegExp,
  timeoutMs = PAGE_WAIT_MS,
): Promise<string> {
  const done = (text: string) => (typeof expected === 'string' ? text === expected : expected.test(text));
  return textUntil(
    element,
    done,
    typeof expected === 'string' ? JSON.stringify(expected) : String(expected),
    timeoutMs,
  );
}

/** Waits until the element's text contains `part`, as the page renders it (see expectText). */
export function expectTextContaining(
  element: RenderedText,
  part: string,
  timeoutMs = PAGE_WAIT_MS,
): Promise<string> {
  return textUntil(element, (text) => text.includes(part), `containing ${JSON.stringify(part)}`, timeoutMs);
}

async function textUntil(
  element: RenderedText,
  done: (text: string) => boolean,
  expected: string,
  timeoutMs: number,
): Promise<string> {
  try {
    return await eventually(() => element.innerText(), done, timeoutMs);
  } catch (err) {
    throw new Error(`expected the text ${expected}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
