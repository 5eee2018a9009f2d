import { IntakeError } from './notice-input';

export const MAX_BATCH = 10_000;

/** One item of a batch: its body, or why it could not even be read (a JSON line that is not JSON). */
export type BatchItem = { index: number; body: unknown } | { index: number; error: string };

/**
 * Splits a batch (a JSON array, or JSON lines) into items. A line that is not JSON is one rejected item, never the
 * end of the batch; only a batch that is too large or not a batch at all is refused as a whole.
 */
export function splitBatch(body: unknown): BatchItem[] {
  let items: BatchItem[];
  if (Array.isArray(body)) {
    items = body.map((b: unknown, index) => ({ index, body: b }));
  } else if (typeof body === 'string') {
    items = body
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line, index) => {
        try {
          return { index, body: JSON.parse(line) as unknown };
        } catch (err) {
          return { index, error: `not JSON: ${(err as Error).message}` };
        }
      });
  } else {
    throw new IntakeError('a batch is a JSON array or JSON lines (application/x-ndjson)', 'body');
  }
  if (!items.length) throw new IntakeError('the batch is empty', 'body');
  if (items.length > MAX_BATCH) {
    throw new IntakeError(`a batch holds at most ${MAX_BATCH} notices, this one ${items.length}`, 'body');
  }
  return items;
}
