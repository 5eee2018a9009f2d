import fc from 'fast-check';
import {
  ExpiredLinkError,
  InvalidLinkError,
  LinkError,
  UnknownLinkKeyError,
  signLink,
  verifyLink,
  type LinkKey,
  type LinkTarget,
} from '@takedown/links';

const HOUR = 3_600_000;
const NOW = 1_800_000_000_000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const key = (kid: string, secret: string): LinkKey => ({ kid, secret: Buffer.from(secret) });
const keyArb = fc
  .tuple(fc.stringMatching(/^[\w-]{1,12}$/), fc.string({ minLength: 32, maxLength: 64 }))
  .map(([kid, secret]) => key(kid, secret));
const target: fc.Arbitrary<LinkTarget> = fc.record({
  t: fc.constantFrom('notice', 'task'),
  id: fc.uuid(),
  action: fc.constantFrom('removed', 'dispute', 'acknowledged', 'attributed', 'approved'),
});

/** The error a link must be refused with; a success or any other error fails the property. */
function refusal(keys: LinkKey[], token: string, now = NOW): LinkError {
  try {
    verifyLink(keys, token, now);
  } catch (err) {
    expect(err).toBeInstanceOf(LinkError);
    return err as LinkError;
  }
  throw new Error(`verified: ${token}`);
}

/** One edit of a token: a character replaced, removed or inserted, or the token cut short. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    by: fc.constantFrom(...BASE64URL, '.', '='),
  }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), by: fc.constantFrom(...BASE64URL, '.') }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function apply(token: string, e: Edit): string {
  const at = e.at % token.length;
  switch (e.kind) {
    case 'replace':
      return `${token.slice(0, at)}${e.by}${token.slice(at + 1)}`;
    case 'remove':
      return token.slice(0, at) + token.slice(at + 1);
    case 'insert':
      return `${token.slice(0, at)}${e.by}${token.slice(at)}`;
    case 'truncate':
      return token.slice(0, at);
  }
}

describe('signed links, properties', () => {
  it('verifies what it signed, with the target, the key and the expiry it was given', () => {
    fc.assert(
      // Expiry is kept in whole seconds: a time to live under a second may have passed already.
      fc.property(keyArb, target, fc.integer({ min: 1000, max: 30 * 24 * HOUR }), (k, t, ttl) => {
        const claims = verifyLink([k], signLink([k], t, ttl, NOW), NOW);
        expect(claims).toMatchObject({ ...t, kid: k.kid, exp: Math.floor((NOW + ttl) / 1000) });
      }),
    );
  });

  it('refuses any edit of a valid token', () => {
    fc.assert(
      fc.property(keyArb, target, edit, (k, t, e) => {
        const token = signLink([k], t, HOUR, NOW);
        const tampered = apply(token, e);
        fc.pre(tampered !== token);
        refusal([k], tampered);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a token whose claims were rewritten (another target, a later expiry) under the old signature', () => {
    fc.assert(
      fc.property(keyArb, target, target, fc.integer({ min: 1, max: 1000 }), (k, t, other, extraHours) => {
        const token = signLink([k], t, HOUR, NOW);
        const [body, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
        const forged = { ...claims, ...other, exp: (claims.exp as number) + extraHours * 3600 };
        fc.pre(JSON.stringify(forged) !== JSON.stringify(claims));
        const error = refusal(
          [k],
          `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`,
        );
        expect(error).toBeInstanceOf(InvalidLinkError);
      }),
    );
  });

  it('never verifies a random string, even one shaped like a token', () => {
    const shaped = fc
      .tuple(fc.stringMatching(/^[\w-]{1,300}$/), fc.stringMatching(/^[\w-]{43}$/))
      .map(([a, b]) => `${a}.${b}`);
    // A well-formed body with our key id and a random signature: only the signature stands in the way.
    const ourClaims = fc
      .tuple(target, fc.stringMatching(/^[\w-]{43}$/))
      .map(
        ([t, sig]) =>
          `${Buffer.from(JSON.stringify({ ...t, jti: 'x', exp: NOW / 1000 + 3600, kid: 'k1' })).toString('base64url')}.${sig}`,
      );
    const k1 = key('k1', 'a-secret-of-at-least-thirty-two-characters');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 2000 }), shaped, ourClaims), (text) => {
        refusal([k1], text);
      }),
      { numRuns: 1000 },
    );
  });

  it('rotation: the first key signs, every listed key verifies, a dropped key or another secret does not', () => {
    fc.assert(
      fc.property(keyArb, keyArb, target, (next, previous, t) => {
        fc.pre(next.kid !== previous.kid);
        const old = signLink([previous], t, HOUR, NOW);
        const fresh = signLink([next, previous], t, HOUR, NOW);
        expect(verifyLink([next, previous], old, NOW).kid).toBe(previous.kid);
        expect(verifyLink([next, previous], fresh, NOW).kid).toBe(next.kid);
        expect(refusal([next], old)).toBeInstanceOf(UnknownLinkKeyError);
        expect(refusal([previous], fresh)).toBeInstanceOf(UnknownLinkKeyError);
        // The same key id with another secret is somebody else's key.
        const impostor = key(previous.kid, `${previous.secret.toString()}-changed`);
        expect(refusal([impostor], old)).toBeInstanceOf(InvalidLinkError);
      }),
    );
  });

  it('refuses a link from the second it expires, and only then', () => {
    fc.assert(
      fc.property(
        keyArb,
        target,
        fc.integer({ min: 1000, max: 30 * 24 * HOUR }),
        fc.nat(),
        (k, t, ttl, late) => {
          const token = signLink([k], t, ttl, NOW);
          const exp = Math.floor((NOW + ttl) / 1000) * 1000;
          expect(verifyLink([k], token, exp - 1).exp * 1000).toBe(exp);
          expect(refusal([k], token, exp + (late % (365 * 24 * HOUR)))).toBeInstanceOf(ExpiredLinkError);
        },
      ),
    );
  });
});
