const timers = require('node:timers');
const { TestEnvironment } = require('jest-environment-node');

/** Where a test file's support code leaves what a failure should say besides its error (see failure-notes.ts). */
const NOTES = Symbol.for('takedown.failureNotes');
/** A failure waits this long for its notes at most: a note that hangs must not hang the run. */
const NOTES_MS = 10_000;

/**
 * Node's environment, and one addition: a test that fails gets the notes its support code left added to its error
 * (a browser tab's address, errors and text when a wait timed out), so that a failure on a loaded CI machine says
 * what the page showed instead of only what it did not.
 */
class TakedownEnvironment extends TestEnvironment {
  /** @param {import('jest-circus').Circus.Event} event */
  async handleTestEvent(event) {
    /** @type {{ start(): void; describe(): Promise<string | undefined> } | undefined} */
    const notes = /** @type {any} */ (this.global)[NOTES];
    if (!notes) return;
    if (event.name === 'test_start') notes.start();
    if (event.name !== 'test_fn_failure' && event.name !== 'hook_failure') return;
    /** @type {string | undefined} */
    let text;
    try {
      let timer;
      text = await Promise.race([
        notes.describe(),
        new Promise((resolve) => {
          timer = timers.setTimeout(() => resolve(`(no notes within ${NOTES_MS} ms)`), NOTES_MS);
        }),
      ]).finally(() => timers.clearTimeout(timer));
    } catch (err) {
      text = `(the notes failed: ${err instanceof Error ? err.message : String(err)})`;
    }
    if (!text) return;
    if (event.error && typeof event.error === 'object') addToError(event.error, text);
    else if (event.name === 'test_fn_failure') addToThrown(event.test.errors, event.error, text);
  }
}

/**
 * A value thrown that is not an object (jest's own timeout throws a string): jest reports it from the error it made
 * where the test was declared, which it rewrites, so the entry the failure was recorded as is replaced.
 * @param {unknown[]} errors @param {unknown} thrown @param {string} text
 */
function addToThrown(errors, thrown, text) {
  const entry = errors.at(-1);
  if (!Array.isArray(entry) || entry[0] !== thrown) return;
  const declared = entry[1] && typeof entry[1].stack === 'string' ? entry[1].stack.split('\n').slice(1) : [];
  const error = new Error(`thrown: ${JSON.stringify(thrown)}\n\n${text}`);
  error.stack = [`Error: ${error.message}`, ...declared].join('\n');
  entry[0] = error;
}

/** @param {unknown} error @param {string} text */
function addToError(error, text) {
  if (!error || typeof error !== 'object') return;
  const e = /** @type {{ message?: unknown; stack?: unknown }} */ (error);
  const addition = `\n\n${text}`;
  // jest prints the stack, which starts with the message. Read before the message changes: V8 writes an error's
  // stack out when it is first read, with the message it has then.
  const stack = e.stack;
  if (typeof e.message === 'string') {
    const message = e.message;
    e.message = message + addition;
    if (typeof stack === 'string' && stack.includes(message)) {
      e.stack = stack.replace(message, message + addition);
      return;
    }
  }
  if (typeof stack === 'string') e.stack = stack + addition;
}

module.exports = TakedownEnvironment;
