import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  ConfigError,
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  loadEnv,
  PAYLOAD_KEY_FILE,
  PayloadDecryptionError,
  parsePayloadKeys,
  resolvePayloadKeys,
} from '@takedown/config';

const key = (kid: string) => `${kid}:${randomBytes(32).toString('base64url')}`;
const codec = (keys: string) => new EncryptionCodec(parsePayloadKeys(keys));
const DISPUTE = { reason: 'a licensed copy, see https://files.tenant-a.example/gallery/8f1c2e' };
const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const value = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('the Temporal payload codec (AES-256-GCM)', () => {
  it('encrypts the whole payload under the first key, its id in clear, and decrypts it again', async () => {
    const c = codec(`2026-12:${randomBytes(32).toString('base64url')}`);
    const [sealed] = await c.encode([payload(DISPUTE)]);
    expect(text(sealed.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed.metadata?.[KEY_ID_METADATA])).toBe('2026-12');
    // Neither the text nor the payload's own encoding is readable in what Temporal stores.
    expect(text(sealed.data)).not.toContain('licensed');
    expect(text(sealed.data)).not.toContain('files.tenant-a.example');
    expect(text(sealed.data)).not.toContain('json/plain');
    expect(value((await c.decode([sealed]))[0])).toEqual(DISPUTE);
  });

  it('rotates: the new first key encrypts, the old one still decrypts what it sealed', async () => {
    const [oldKey, newKey] = [key('old'), key('new')];
    const [before] = await codec(oldKey).encode([payload(DISPUTE)]);
    const rotated = codec(`${newKey},${oldKey}`);
    const [after] = await rotated.encode([payload(DISPUTE)]);
    expect(text(after.metadata?.[KEY_ID_METADATA])).toBe('new');
    expect((await rotated.decode([before, after])).map(value)).toEqual([DISPUTE, DISPUTE]);
  });

  it('fails clearly on a key id it does not hold, naming the id and the variable', async () => {
    const [sealed] = await codec(key('2026-11')).encode([payload(DISPUTE)]);
    const other = codec(key('2026-12'));
    await expect(other.decode([sealed])).rejects.toThrow(PayloadDecryptionError);
    await expect(other.decode([sealed])).rejects.toThrow(
      'a Temporal payload is encrypted with key id "2026-11", which TEMPORAL_PAYLOAD_KEYS does not hold',
    );
  });

  it('refuses a payload altered, or relabelled with another key id', async () => {
    const keys = `${key('a')},${key('b')}`;
    const c = codec(keys);
    const [sealed] = await c.encode([payload(DISPUTE)]);
    const flipped = Buffer.from(sealed.data!);
    flipped[20] ^= 1;
    await expect(c.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/does not decrypt/);
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('b') } };
    await expect(c.decode([relabelled])).rejects.toThrow(/key id "b" does not decrypt/);
  });

  it('passes payloads written before encryption through unchanged', async () => {
    const plain = payload(DISPUTE);
    const [decoded] = await codec(key('k')).decode([plain]);
    expect(decoded).toBe(plain);
    expect(value(decoded)).toEqual(DISPUTE);
  });

  it('reads TEMPORAL_PAYLOAD_KEYS as kid:key pairs of 32 bytes, and refuses the example key in production', () => {
    expect(() => loadEnv({ TEMPORAL_PAYLOAD_KEYS: 'k:too-short' })).toThrow(
      /TEMPORAL_PAYLOAD_KEYS: must be kid:key pairs .* \(value not shown: it holds a secret\)/,
    );
    const example = '2026-12:change-me-to-32-random-bytes-in-base64url--';
    expect(() => loadEnv({ NODE_ENV: 'production', TEMPORAL_PAYLOAD_KEYS: example })).toThrow(
      /TEMPORAL_PAYLOAD_KEYS: holds an example secret/,
    );
    expect(loadEnv({ TEMPORAL_PAYLOAD_KEYS: `${key('a')},${key('b')}` }).TEMPORAL_PAYLOAD_KEYS).toMatch(
      /^a:/,
    );
  });

  it('needs keys in production, and elsewhere generates one key once in the data folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-keys-'));
    try {
      expect(() => resolvePayloadKeys({ NODE_ENV: 'production', TAKEDOWN_DATA_DIR: dir })).toThrow(
        ConfigError,
      );
      expect(() => resolvePayloadKeys({ NODE_ENV: 'production', TAKEDOWN_DATA_DIR: dir })).toThrow(
        /^TEMPORAL_PAYLOAD_KEYS is not set/,
      );
      const first = resolvePayloadKeys({ NODE_ENV: 'development', TAKEDOWN_DATA_DIR: dir });
      const again = resolvePayloadKeys({ NODE_ENV: 'development', TAKEDOWN_DATA_DIR: dir });
      expect(again).toEqual(first);
      expect(first[0].key).toHaveLength(32);
      expect(fs.statSync(path.join(dir, PAYLOAD_KEY_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
