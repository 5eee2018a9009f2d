import * as path from 'node:path';
import { readOrCreateLocalKey } from '@takedown/config';
import type { LinkKey } from './token';

/** The settings key resolution reads (a subset of the validated Env, so callers pass `env` as it is). */
export interface LinkKeySettings {
  NODE_ENV: 'development' | 'production' | 'test';
  LINK_SIGNING_KEYS?: string;
  TAKEDOWN_DATA_DIR: string;
}

export const LINK_KEY_FILE = 'link-signing-key';

/** `kid:secret,kid:secret`, as validated by the config schema. The first signs. */
export function parseLinkKeys(value: string): LinkKey[] {
  return value.split(',').map((pair) => {
    const at = pair.indexOf(':');
    if (at < 1 || pair.length - at - 1 < 32) {
      throw new Error('LINK_SIGNING_KEYS must be kid:secret pairs with secrets of 32+ characters');
    }
    return { kid: pair.slice(0, at).trim(), secret: Buffer.from(pair.slice(at + 1).trim(), 'utf8') };
  });
}

/**
 * The configured keys; else, outside production, a key generated once and kept in `<dataDir>/link-signing-key`
 * (mode 600) so that links in emails already sent keep working after a restart, and so that the API and the worker
 * on one machine agree. Production must configure keys: a generated key would differ per host.
 */
export function resolveLinkKeys(env: LinkKeySettings, dataDir = env.TAKEDOWN_DATA_DIR): LinkKey[] {
  if (env.LINK_SIGNING_KEYS) return parseLinkKeys(env.LINK_SIGNING_KEYS);
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'LINK_SIGNING_KEYS is not set: production needs kid:secret signing keys for the links in emails',
    );
  }
  return [parseLinkKeys(readOrCreateLocalKey(path.resolve(dataDir, LINK_KEY_FILE)))[0]];
}
