import fc from 'fast-check';
import { findUnstorableText, toStorableText } from '@takedown/api/common/unstorable-text';

describe('text PostgreSQL refuses', () => {
  it('names the first field with a NUL character or half a surrogate pair', () => {
    expect(findUnstorableText({ a: 'ok', b: { c: ['x', 'y\u0000'] } })).toMatchObject({ field: 'b.c.1' });
    expect(findUnstorableText({ reason: 'a\ud800b' })).toMatchObject({ field: 'reason' });
    expect(findUnstorableText({ reason: '\udc00' })).toMatchObject({ field: 'reason' });
    expect(findUnstorableText('\u0000')).toMatchObject({ field: 'body' });
    // A property name the client chose is not repeated in the answer.
    expect(findUnstorableText({ 'k\u0000': 1 })?.field).toBe('[property]');
    expect(findUnstorableText({ 'https://x.example/a': { b: '\u0000' } })?.field).toBe('[property].b');
    // A whole pair is a character like any other.
    expect(findUnstorableText({ emoji: '😀 \ud83d\ude00', text: 'plain' })).toBeNull();
  });

  it('finds exactly what does not survive UTF-8, and makes any text storable', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const survives = Buffer.from(text, 'utf8').toString('utf8') === text && !text.includes('\u0000');
        expect(findUnstorableText(text) === null).toBe(survives);
        const stored = toStorableText(text);
        expect(findUnstorableText(stored)).toBeNull();
        // A text that survives is stored as it is.
        expect(survives ? stored : text).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
