import * as path from 'node:path';
import { readOrCreateLocalKey } from './local-key';
import type { UrlHashKey } from '@takedown/domain';
import { ConfigError } from './env';

/** The settings key resolution reads (a subset of the validated Env, so callers pass `env` as it is). */
export interface UrlHashKeySettings {
  NODE_ENV: 'development' | 'production' | 'test';
  URL_HASH_KEYS?: string;
  TAKEDOWN_DATA_DIR: string;
}

export const URL_HASH_KEY_FILE = 'url-hash-key';

/** `kid:secret[,kid:secret…]`, as validated by the config schema. The first hashes; all still match. */
export function parseUrlHashKeys(value: string): UrlHashKey[] {
  return value.split(',').map((pair) => {
    const at = pair.indexOf(':');
    if (at < 1 || pair.length - at - 1 < 32) {
      throw new ConfigError('URL_HASH_KEYS: must be kid:secret pairs with secrets of 32+ characters');
    }
    return { kid: pair.slice(0, at).trim(), secret: Buffer.from(pair.slice(at + 1).trim(), 'utf8') };
  });
}

/**
 * The configured keys; else, outside production, a key generated once and kept in `<dataDir>/url-hash-key` (mode
 * 600), so that the API, the worker and the CLI on one machine hash alike, also after a restart. Production must
 * configure keys: a generated key would differ per host, and reports made on two hosts would not match.
 */
export function resolveUrlHashKeys(env: UrlHashKeySettings, dataDir = env.TAKEDOWN_DATA_DIR): UrlHashKey[] {
  if (env.URL_HASH_KEYS) return parseUrlHashKeys(env.URL_HASH_KEYS);
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'URL_HASH_KEYS is not set: production needs kid:secret keys for the path hashes of anonymised URLs',
    );
  }
  return parseUrlHashKeys(readOrCreateLocalKey(path.resolve(dataDir, URL_HASH_KEY_FILE)));
}
