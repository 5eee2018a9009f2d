/**
 * Notes a failing test adds to its error: what the test's browser pages showed when the wait gave up, the step a long
 * test was in. Read by the test environment (test/support/test-environment.js) when a test fails; forgotten when the
 * next test starts.
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

/**
 * Names the steps of a long test (a journey through several workflows): should it fail, above all by running out of
 * its time, its error says which step it was in, for how long, and how long each step before it took.
 */
export function steps(): (name: string) => void {
  const done: string[] = [];
  let current: { name: string; at: number } | undefined;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  noteOnFailure(async () =>
    [
      current
        ? `in the step "${current.name}" for ${seconds(Date.now() - current.at)}`
        : 'before its first step',
      ...(done.length ? [`  the steps before: ${done.join('; ')}`] : []),
    ].join('\n'),
  );
  return (name) => {
    const now = Date.now();
    if (current) done.push(`${current.name} (${seconds(now - current.at)})`);
    current = { name, at: now };
  };
}
