import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { readOrCreateLocalKey } from './local-key';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { ConfigError } from './env';

/**
 * Temporal's protobuf types, loaded with the first payload (about 140 ms of start-up): a process that loads the
 * configuration but never seals a payload (`takedown --help`, the token commands) does without them.
 */
let protoModule: Promise<typeof import('@temporalio/proto')> | undefined;
const proto = () => (protoModule ??= import('@temporalio/proto'));

/** The settings key resolution reads (a subset of the validated Env, so callers pass `env` as it is). */
export interface PayloadKeySettings {
  NODE_ENV: 'development' | 'production' | 'test';
  TEMPORAL_PAYLOAD_KEYS?: string;
  TAKEDOWN_DATA_DIR: string;
}

export interface PayloadKey {
  kid: string;
  /** 32 bytes: AES-256. */
  key: Buffer;
}

export const PAYLOAD_KEY_FILE = 'temporal-payload-key';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** `kid:key[,kid:key…]`, each key 32 bytes in base64url, as validated by the config schema. The first encrypts. */
export function parsePayloadKeys(value: string): PayloadKey[] {
  return value.split(',').map((pair) => {
    const at = pair.indexOf(':');
    const key = Buffer.from(pair.slice(at + 1).trim(), 'base64url');
    if (at < 1 || key.length !== 32) {
      throw new ConfigError('TEMPORAL_PAYLOAD_KEYS: must be kid:key pairs, each key 32 bytes in base64url');
    }
    return { kid: pair.slice(0, at).trim(), key };
  });
}

/**
 * The configured keys; else, outside production, a key generated once and kept in `<dataDir>/temporal-payload-key`
 * (mode 600), so that the API, the worker and the tests on one machine read each other's payloads, also after a
 * restart. Production must configure keys: a generated key would differ per host, and a lost key loses the histories.
 */
export function resolvePayloadKeys(env: PayloadKeySettings, dataDir = env.TAKEDOWN_DATA_DIR): PayloadKey[] {
  if (env.TEMPORAL_PAYLOAD_KEYS) return parsePayloadKeys(env.TEMPORAL_PAYLOAD_KEYS);
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'TEMPORAL_PAYLOAD_KEYS is not set: production needs kid:key keys to encrypt what goes into Temporal history',
    );
  }
  return [parsePayloadKeys(readOrCreateLocalKey(path.resolve(dataDir, PAYLOAD_KEY_FILE)))[0]];
}

/** A payload this codec cannot open: encrypted under a key id that TEMPORAL_PAYLOAD_KEYS does not hold, or altered. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

/**
 * AES-256-GCM over each whole payload (its metadata too, so the encoding and type say nothing), the key id in clear
 * in the metadata so that any key of the list opens what it sealed: the first key encrypts, all decrypt (rotation).
 * Payloads without the encrypted encoding pass through, so histories written before encryption still read.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byKid: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new ConfigError('TEMPORAL_PAYLOAD_KEYS: at least one key is needed');
    this.current = keys[0];
    this.byKid = new Map(keys.map((k) => [k.kid, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { temporal } = await proto();
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      // The key id is bound to the ciphertext: a payload relabelled with another key id does not open.
      cipher.setAAD(utf8(this.current.kid));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.current.kid) },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const { temporal } = await proto();
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const kid = text(payload.metadata?.[KEY_ID_METADATA]);
      const key = kid === undefined ? undefined : this.byKid.get(kid);
      if (!key) {
        throw new PayloadDecryptionError(
          `a Temporal payload is encrypted with key id ${JSON.stringify(kid ?? null)}, which TEMPORAL_PAYLOAD_KEYS does not hold`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(utf8(kid as string));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain) as Payload;
      } catch {
        throw new PayloadDecryptionError(
          `a Temporal payload encrypted with key id ${JSON.stringify(kid)} does not decrypt: altered, or another key of that id`,
        );
      }
    });
  }
}

/** What every Temporal client and worker of the project is given: payloads encrypted with TEMPORAL_PAYLOAD_KEYS. */
export function temporalDataConverter(env: PayloadKeySettings): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(resolvePayloadKeys(env))] };
}
