import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ExpiredLinkError,
  InvalidLinkError,
  LINK_KEY_FILE,
  UnknownLinkKeyError,
  linkUrl,
  parseLinkKeys,
  resolveLinkKeys,
  signLink,
  verifyLink,
  type LinkTarget,
} from '@takedown/links';

const HOUR = 3_600_000;
const target: LinkTarget = { t: 'task', id: '0b6c3f0e-1d2a-4c55-9a57-3b1f2e4d5c6a', action: 'acknowledged' };
const [current, previous] = parseLinkKeys(
  'k2:current-secret-current-secret-current-secret,k1:previous-secret-previous-secret-previous',
);

/** Replaces one character of `text` at `at` with another valid base64url character. */
const flip = (text: string, at: number) =>
  `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;

describe('signed links', () => {
  it('round-trips the target, with a random id, an expiry and the signing key', () => {
    const token = signLink([current], target, HOUR, 1_000_000);
    const claims = verifyLink([current], token, 1_000_000);
    expect(claims).toMatchObject({ ...target, kid: 'k2', exp: Math.floor((1_000_000 + HOUR) / 1000) });
    expect(claims.jti).toMatch(/^[\w-]{22}$/);
    expect(verifyLink([current], signLink([current], target, HOUR)).jti).not.toBe(claims.jti);
    expect(linkUrl('https://takedown.provider.example/', token)).toBe(
      `https://takedown.provider.example/links/${token}`,
    );
  });

  it('rejects a token whose payload was changed (another task, another outcome)', () => {
    const token = signLink([current], target, HOUR);
    const [, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...verifyLink([current], token), action: 'request_suspension' }),
    ).toString('base64url');
    expect(() => verifyLink([current], `${forged}.${signature}`)).toThrow(InvalidLinkError);
    expect(() => verifyLink([current], `${flip(token, 5)}`)).toThrow(InvalidLinkError);
  });

  it('rejects a token whose signature was changed, in any character including the last', () => {
    const token = signLink([current], target, HOUR);
    for (const at of [token.indexOf('.') + 1, token.length - 1]) {
      expect(() => verifyLink([current], flip(token, at))).toThrow(InvalidLinkError);
    }
    expect(() => verifyLink([current], 'not-a-token')).toThrow(InvalidLinkError);
    expect(() => verifyLink([current], `${token}x`)).toThrow(InvalidLinkError);
  });

  it('rejects an expired token with its expiry, but only once the signature checked out', () => {
    const token = signLink([current], target, HOUR, 0);
    expect(() => verifyLink([current], token, HOUR + 1000)).toThrow(ExpiredLinkError);
    expect(() => verifyLink([current], flip(token, token.length - 1), HOUR + 1000)).toThrow(InvalidLinkError);
  });

  it('rejects a token signed with a key it does not know', () => {
    const token = signLink(parseLinkKeys('stranger:a-secret-nobody-here-knows-at-all-0000'), target, HOUR);
    expect(() => verifyLink([current, previous], token)).toThrow(UnknownLinkKeyError);
  });

  it('keeps verifying links signed with the previous key after a rotation, until that key is removed', () => {
    const before = signLink([previous], target, HOUR);
    const after = signLink([current, previous], target, HOUR);
    expect(verifyLink([current, previous], before).kid).toBe('k1');
    expect(verifyLink([current, previous], after).kid).toBe('k2');
    expect(() => verifyLink([current], before)).toThrow(UnknownLinkKeyError);
  });

  it('does not accept a secret of one key under the id of another', () => {
    const token = signLink([{ kid: 'k2', secret: previous.secret }], target, HOUR);
    expect(() => verifyLink([current, previous], token)).toThrow(InvalidLinkError);
  });
});

describe('link signing keys', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takedown-links-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses the configured keys, the first one signing', () => {
    const keys = resolveLinkKeys({
      NODE_ENV: 'production',
      LINK_SIGNING_KEYS: 'new:0123456789abcdef0123456789abcdef,old:fedcba9876543210fedcba9876543210',
      TAKEDOWN_DATA_DIR: dir,
    });
    expect(keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('generates a key once outside production, keeps it private, and reads the same one after a restart', () => {
    const env = { NODE_ENV: 'development' as const, TAKEDOWN_DATA_DIR: dir };
    const first = resolveLinkKeys(env);
    const file = path.join(dir, LINK_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const token = signLink(first, target, HOUR);
    expect(verifyLink(resolveLinkKeys(env), token)).toMatchObject(target);
  });

  it('refuses to start in production without LINK_SIGNING_KEYS, naming the variable', () => {
    expect(() => resolveLinkKeys({ NODE_ENV: 'production', TAKEDOWN_DATA_DIR: dir })).toThrow(
      /LINK_SIGNING_KEYS/,
    );
  });
});
