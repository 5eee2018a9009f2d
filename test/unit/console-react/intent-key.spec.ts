import { ApiError } from '../../../apps/console/src/api/errors';
import { IntentKey, newIntentKey, outcomeUnknown } from '../../../apps/console/src/api/intent-key';

/** The API's pattern for an Idempotency-Key (apps/api/src/common/idempotency-key.ts). */
const KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

describe('the console’s Idempotency-Key for a request the person makes', () => {
  const unavailable = new ApiError(503, 'TEMPORAL.UNAVAILABLE', 'try again');
  const conflict = new ApiError(409, 'NOTICE.ALREADY_CLOSED', 'closed');

  it('is a key the API takes, new each time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIntentKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(KEY);
  });

  it('keeps the key of a try whose outcome is unknown (5xx, no answer) for the next try of the same request', () => {
    const intent = new IntentKey();
    const first = intent.for('["n1","add-note",{"reason":"x"}]');
    intent.settled(unavailable);
    expect(intent.for('["n1","add-note",{"reason":"x"}]')).toBe(first);
    intent.settled(new TypeError('Failed to fetch'));
    expect(intent.for('["n1","add-note",{"reason":"x"}]')).toBe(first);
  });

  it('takes a new key once a try is answered (done or refused), or for another request', () => {
    const intent = new IntentKey();
    const first = intent.for('a');
    intent.settled();
    const second = intent.for('a');
    expect(second).not.toBe(first);
    intent.settled(conflict);
    const third = intent.for('a');
    expect(third).not.toBe(second);
    intent.settled(unavailable);
    // The person changed the text after a 503: another request, another key.
    expect(intent.for('b')).not.toBe(third);
  });

  it('counts a 4xx as an answer and anything else as an unknown outcome', () => {
    expect(outcomeUnknown(conflict)).toBe(false);
    expect(outcomeUnknown(new ApiError(400, 'REQUEST.INVALID', 'bad'))).toBe(false);
    expect(outcomeUnknown(unavailable)).toBe(true);
    expect(outcomeUnknown(new ApiError(502, 'HTTP.502', 'Bad Gateway'))).toBe(true);
    expect(outcomeUnknown(new TypeError('Failed to fetch'))).toBe(true);
  });
});
