/**
 * Notes a failing test adds to its error: what the test's browser tabs showed when the wait gave up. Read by the
 * test environment (test/support/test-environment.js) when a test fails; forgotten when the next test starts.
 */
type Describe = () => Promise<string>;

const NOTES = Symbol.for('takedown.failureNotes');

interface Notes {
  start(): void;
  describe(): Promise<string | undefined>;
}

const describers = new Set<Describe>();

// The file's own global: each test file has a context of its own, and with it a registry of its own.
(globalThis as unknown as Record<symbol, Notes>)[NOTES] = {
  start: () => describers.clear(),
  describe: async () => {
    if (describers.size === 0) return undefined;
    const parts = await Promise.all(
      [...describers].map((d) => d().catch((err: unknown) => `(unreadable: ${String(err)})`)),
    );
    return parts.join('\n');
  },
};

/** `describe` is asked what to add, should the running test fail. */
export function noteOnFailure(describe: Describe): void {
  describers.add(describe);
}
