import { sha256 as sha256Digest } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * What retention keeps of a reported URL: scheme and host, and the SHA-256 of path and query, the same hash the
 * termination report shows (`redactedUrl`), so a report generated after anonymisation names the same URLs, and a
 * copy of a URL can still be matched against the notice. Written `https://host/[sha256:<hex>]`: it reads as what it
 * is, and it is not a link to the material. Text that is not a URL keeps only its hash: `[sha256:<hex>]`.
 */
export function anonymisedUrl(url: string): string {
  if (parseAnonymisedUrl(url)) return url;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/[sha256:${sha256(`${u.pathname}${u.search}`)}]`;
  } catch {
    return `[sha256:${sha256(url)}]`;
  }
}

const ANONYMISED = /^(?:([a-z][a-z0-9+.-]*:)\/\/([^/\s]*)\/)?\[sha256:([0-9a-f]{64})\]$/i;

/** The host and hash of an anonymised URL; null for anything else. */
export function parseAnonymisedUrl(text: string): { host: string; pathSha256: string } | null {
  const m = ANONYMISED.exec(text);
  return m ? { host: m[2] ?? '', pathSha256: m[3].toLowerCase() } : null;
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
export function anonymisedText(text: string): string {
  const withoutUrls = text.replace(URL_IN_TEXT, (match) => {
    const trailing = TRAILING.exec(match)?.[0] ?? '';
    const url = match.slice(0, match.length - trailing.length);
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
    if (parseAnonymisedUrl(withScheme)) return match;
    const reduced = anonymisedUrl(withScheme);
    return `${url === withScheme ? reduced : reduced.replace(/^http:\/\//, '')}${trailing}`;
  });
  return withoutUrls.replace(EMAIL_IN_TEXT, '[email removed]');
}

/** SHA-256 in plain TypeScript, not node:crypto: the domain stays loadable in workflow code. */
function sha256(text: string): string {
  return bytesToHex(sha256Digest(utf8ToBytes(text)));
}
