import { hmac } from '@noble/hashes/hmac';
import { sha256 as sha256Digest } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/** A key for path hashes (URL_HASH_KEYS), held outside PostgreSQL: without it a hash cannot be tested against guesses. */
export interface UrlHashKey {
  kid: string;
  secret: Uint8Array;
}

/**
 * The keyed hash of the part of a URL that identifies the material (path and query), `hmac:<kid>:<hex>`
 * (HMAC-SHA-256). An unkeyed hash of a short path could be brute-forced back to it by hashing candidates; this one
 * needs the key. Anonymisation written before keys holds `sha256:<hex>`, and still reads (`parseAnonymisedUrl`).
 */
export function pathHash(text: string, key: UrlHashKey): string {
  return `hmac:${key.kid}:${bytesToHex(hmac(sha256Digest, key.secret, utf8ToBytes(text)))}`;
}

/**
 * What retention keeps of a reported URL: scheme and host, and the keyed hash of path and query, the same hash the
 * termination report shows (`redactedUrl`), so a report generated after anonymisation names the same URLs, and a
 * copy of a URL can still be matched against the notice (`matchesAnonymised`). Written
 * `https://host/[hmac:<kid>:<hex>]`: it reads as what it is, and it is not a link to the material. Text that is not a
 * URL keeps only its hash: `[hmac:<kid>:<hex>]`.
 */
export function anonymisedUrl(url: string, key: UrlHashKey): string {
  if (parseAnonymisedUrl(url)) return url;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/[${pathHash(`${u.pathname}${u.search}`, key)}]`;
  } catch {
    return `[${pathHash(url, key)}]`;
  }
}

/** Keyed (`hmac:<kid>:<hex>`), or unkeyed as written before keys (`sha256:<hex>`). */
const ANONYMISED =
  /^(?:([a-z][a-z0-9+.-]*:)\/\/([^/\s]*)\/)?\[(sha256:[0-9a-f]{64}|hmac:[\w.-]+:[0-9a-f]{64})\]$/i;

/** The host and path hash of an anonymised URL (`hmac:<kid>:<hex>` or the older `sha256:<hex>`); null for anything else. */
export function parseAnonymisedUrl(text: string): { host: string; pathHash: string } | null {
  const m = ANONYMISED.exec(text);
  if (!m) return null;
  const [kind, ...rest] = m[3].split(':');
  const hex = rest.pop() as string;
  return { host: m[2] ?? '', pathHash: [kind.toLowerCase(), ...rest, hex.toLowerCase()].join(':') };
}

/**
 * Whether a URL is the one an anonymised URL (or a report's host and path hash) stands for: the hash recomputed under
 * the key it names, or unkeyed for one written before keys. False when the key is no longer held.
 */
export function matchesAnonymised(
  url: string,
  anonymised: { host: string; pathHash: string },
  keys: readonly UrlHashKey[],
): boolean {
  let host = '';
  let rest = url;
  try {
    const u = new URL(url);
    host = u.host;
    rest = `${u.pathname}${u.search}`;
  } catch {
    // Not a URL: the whole text was hashed.
  }
  if (host !== anonymised.host) return false;
  if (anonymised.pathHash.startsWith('sha256:')) return anonymised.pathHash === `sha256:${sha256(rest)}`;
  const kid = anonymised.pathHash.split(':')[1];
  const key = keys.find((k) => k.kid === kid);
  return key !== undefined && pathHash(rest, key) === anonymised.pathHash;
}

/** URLs with a scheme, and host/path written without one (`files.example/gallery/1`), as people write them. */
export const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"']+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\/[^\s<>"']*/gi;
const EMAIL_IN_TEXT = /[^\s@<>()[\]"',;:]+@(?:[a-z0-9-]+\.)+[a-z]{2,}/gi;
/** Punctuation that ends a sentence rather than the URL before it. */
const TRAILING = /[.,;:!?)'"]+$/;

/**
 * Free text (a reason, a note, a dispute) with every URL anonymised and every email address removed, the rest as it
 * was: the why of a decision stays readable. Applying it twice changes nothing the second time.
 */
export function anonymisedText(text: string, key: UrlHashKey): string {
  const withoutUrls = text.replace(URL_IN_TEXT, (match) => {
    const trailing = TRAILING.exec(match)?.[0] ?? '';
    const url = match.slice(0, match.length - trailing.length);
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
    if (parseAnonymisedUrl(withScheme)) return match;
    const reduced = anonymisedUrl(withScheme, key);
    return `${url === withScheme ? reduced : reduced.replace(/^http:\/\//, '')}${trailing}`;
  });
  return withoutUrls.replace(EMAIL_IN_TEXT, '[email removed]');
}

/** SHA-256 in plain TypeScript, not node:crypto: the domain stays loadable in workflow code. */
function sha256(text: string): string {
  return bytesToHex(sha256Digest(utf8ToBytes(text)));
}
