import { useState } from 'react';
import { ApiError } from './errors';

/**
 * A new Idempotency-Key: 128 random bits. `getRandomValues`, not `randomUUID`: the console may be served over plain
 * HTTP inside a network, where browsers offer `randomUUID` to secure origins only.
 */
export function newIntentKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Whether a try that failed so may have been carried out all the same: no answer at all (the network), or a 5xx (a
 * 503 while the engine kept the action, a proxy's 502/504). A 4xx is an answer: nothing was done.
 */
export function outcomeUnknown(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500;
}

/**
 * The Idempotency-Key of what the person asks (an action, its notices, its text): the same on every try of the same
 * request whose outcome is unknown, so that trying again after a 503 is the same request and the API carries it out
 * once; a new one once a try is answered (done or refused) or the request is another one.
 */
export class IntentKey {
  private pending: { request: string; key: string } | null = null;

  /** The key for a try of `request` (its content, as a string). */
  for(request: string): string {
    if (this.pending?.request !== request) this.pending = { request, key: newIntentKey() };
    return this.pending.key;
  }

  /** A try ended: answered (no error, or a 4xx), its key is done with; with an unknown outcome it is kept. */
  settled(error?: unknown): void {
    if (error === undefined || !outcomeUnknown(error)) this.pending = null;
  }
}

/** An IntentKey kept for the component's life. */
export function useIntentKey(): IntentKey {
  return useState(() => new IntentKey())[0];
}
