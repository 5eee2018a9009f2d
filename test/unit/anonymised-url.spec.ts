import { createHash, createHmac } from 'node:crypto';
import {
  anonymisedText,
  anonymisedUrl,
  matchesAnonymised,
  parseAnonymisedUrl,
  pathHash,
  type UrlHashKey,
} from '@takedown/domain';
import { ConfigError, loadEnv, parseUrlHashKeys, resolveUrlHashKeys } from '@takedown/config';
import { digestReport, redactedUrl, verifyReport, type TerminationReport } from '@takedown/reports';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const key = (kid: string, secret: string): UrlHashKey => ({ kid, secret: Buffer.from(secret) });
const KEY = key('2026-12', 'a test key of thirty-two characters or more');
const OTHER = key('2026-12', 'another key of thirty-two characters or more');
const hmac = (k: UrlHashKey, s: string) => createHmac('sha256', k.secret).update(s).digest('hex');
const URL_A = 'https://files.tenant-a.example:8443/gallery/8f1c2e?x=1';

describe('anonymised URLs (retention)', () => {
  it('keeps scheme and host and replaces path and query by their HMAC-SHA-256 under the key it names', () => {
    expect(anonymisedUrl(URL_A, KEY)).toBe(
      `https://files.tenant-a.example:8443/[hmac:2026-12:${hmac(KEY, '/gallery/8f1c2e?x=1')}]`,
    );
  });

  it('gives the same path different hashes under two keys, and none is the unkeyed SHA-256', () => {
    const [a, b] = [anonymisedUrl(URL_A, KEY), anonymisedUrl(URL_A, OTHER)];
    expect(a).not.toBe(b);
    for (const out of [a, b]) expect(out).not.toContain(sha256('/gallery/8f1c2e?x=1'));
  });

  it('does not give a short path back to whoever hashes candidates without the key', () => {
    const anonymised = parseAnonymisedUrl(anonymisedUrl('https://files.example/a1', KEY))!;
    // Every path of one or two letters and digits, hashed as an unkeyed hash would be, and under a guessed key.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
    const candidates = ['', ...alphabet, ...alphabet.flatMap((x) => alphabet.map((y) => `${x}${y}`))].map(
      (c) => `/${c}`,
    );
    expect(candidates).toContain('/a1');
    const guessedKey = key('2026-12', 'change-me-to-at-least-32-random-characters');
    const found = candidates.filter(
      (c) => anonymised.pathHash.endsWith(sha256(c)) || anonymised.pathHash === pathHash(c, guessedKey),
    );
    expect(found).toEqual([]);
    // With the key, the same search finds it: the key is all that stands between the hash and the path.
    expect(candidates.filter((c) => anonymised.pathHash === pathHash(c, KEY))).toEqual(['/a1']);
  });

  it('gives the termination report the same host and hash as the URL it was made from', () => {
    expect(redactedUrl(anonymisedUrl(URL_A, KEY), KEY)).toEqual(redactedUrl(URL_A, KEY));
    expect(redactedUrl(anonymisedUrl('not a url', KEY), KEY)).toEqual(redactedUrl('not a url', KEY));
  });

  it('drops credentials in the URL and keeps nothing of text that is not a URL but its hash', () => {
    expect(anonymisedUrl('https://bob:secret@files.example/a', KEY)).not.toContain('bob');
    expect(anonymisedUrl('not a url /secret', KEY)).toBe(`[hmac:2026-12:${hmac(KEY, 'not a url /secret')}]`);
  });

  it('changes nothing the second time', () => {
    const once = anonymisedUrl(URL_A, KEY);
    expect(anonymisedUrl(once, OTHER)).toBe(once);
    expect(parseAnonymisedUrl(once)).toEqual({
      host: 'files.tenant-a.example:8443',
      pathHash: `hmac:2026-12:${hmac(KEY, '/gallery/8f1c2e?x=1')}`,
    });
    expect(parseAnonymisedUrl(URL_A)).toBeNull();
  });

  it('still reads and matches URLs anonymised before keys (`[sha256:…]`), and leaves them as they are', () => {
    const old = `https://files.tenant-a.example:8443/[sha256:${sha256('/gallery/8f1c2e?x=1')}]`;
    expect(parseAnonymisedUrl(old)).toEqual({
      host: 'files.tenant-a.example:8443',
      pathHash: `sha256:${sha256('/gallery/8f1c2e?x=1')}`,
    });
    expect(anonymisedUrl(old, KEY)).toBe(old);
    expect(anonymisedText(`see ${old}.`, KEY)).toBe(`see ${old}.`);
    expect(redactedUrl(old, KEY)).toEqual(parseAnonymisedUrl(old));
    expect(matchesAnonymised(URL_A, parseAnonymisedUrl(old)!, [])).toBe(true);
    expect(matchesAnonymised('https://files.tenant-a.example:8443/other', parseAnonymisedUrl(old)!, [])).toBe(
      false,
    );
  });

  it('matches a URL against a keyed hash with the key it names; without that key, not at all', () => {
    const anonymised = parseAnonymisedUrl(anonymisedUrl(URL_A, KEY))!;
    const rotated = [key('2027-01', 'the next key of thirty-two characters or more'), KEY];
    expect(matchesAnonymised(URL_A, anonymised, rotated)).toBe(true);
    expect(matchesAnonymised(URL_A.replace('x=1', 'x=2'), anonymised, rotated)).toBe(false);
    expect(matchesAnonymised(URL_A.replace(':8443', ''), anonymised, rotated)).toBe(false);
    expect(
      matchesAnonymised(URL_A, anonymised, [key('2027-01', 'the next key of thirty-two characters or more')]),
    ).toBe(false);
  });

  it('keeps a report issued before keys (`pathSha256`) verifiable: its digest covers what it holds', () => {
    const old = {
      format: 'takedown.termination-report',
      notices: [
        { id: 'n1', urls: [{ host: 'files.tenant-a.example', pathSha256: sha256('/gallery/8f1c2e') }] },
      ],
    } as unknown as TerminationReport;
    const stored = JSON.parse(JSON.stringify(digestReport(old), null, 2)) as unknown;
    expect(verifyReport(stored)).toMatchObject({ ok: true });
  });
});

describe('URL_HASH_KEYS', () => {
  it('reads kid:secret pairs, and refuses the example key in production', () => {
    expect(
      parseUrlHashKeys(
        'a:a test key of thirty-two characters or more,b:another key of thirty-two characters',
      ),
    ).toEqual([
      { kid: 'a', secret: Buffer.from('a test key of thirty-two characters or more') },
      { kid: 'b', secret: Buffer.from('another key of thirty-two characters') },
    ]);
    expect(() => loadEnv({ URL_HASH_KEYS: 'k:short' })).toThrow(/URL_HASH_KEYS: must be kid:secret pairs/);
    expect(() =>
      loadEnv({
        NODE_ENV: 'production',
        URL_HASH_KEYS: '2026-12:change-me-to-at-least-32-random-characters',
      }),
    ).toThrow(/URL_HASH_KEYS: holds an example secret/);
    expect(() => resolveUrlHashKeys({ NODE_ENV: 'production', TAKEDOWN_DATA_DIR: '/nonexistent' })).toThrow(
      ConfigError,
    );
  });
});

describe('anonymised free text (retention)', () => {
  const reason =
    'Still online at https://files.tenant-a.example/gallery/8f1c2e?x=1. Also files.tenant-a.example/other/9, ' +
    'ask j.jansen@hotline.example (not https://bob@evil.example/x).';

  it('reduces every URL to host and keyed hash and removes email addresses, keeping the words', () => {
    const out = anonymisedText(reason, KEY);
    expect(out).toContain('Still online at https://files.tenant-a.example/[hmac:2026-12:');
    expect(out).toContain(`files.tenant-a.example/[hmac:2026-12:${hmac(KEY, '/other/9')}],`);
    expect(out).toContain('ask [email removed] (not https://evil.example/[hmac:2026-12:');
    expect(out).not.toMatch(/gallery|other\/9|jansen|bob/);
    expect(out.endsWith(']).')).toBe(true); // the sentence's own punctuation stays
  });

  it('changes nothing the second time', () => {
    const once = anonymisedText(reason, KEY);
    expect(anonymisedText(once, KEY)).toBe(once);
  });

  it('leaves text without URLs or addresses as it was', () => {
    expect(anonymisedText('still there at 10:12, see ticket 4711', KEY)).toBe(
      'still there at 10:12, see ticket 4711',
    );
  });
});
