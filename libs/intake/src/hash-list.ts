/** One digest of a hash list, its algorithm named by its length (or its `algorithm:` prefix). */
export interface ListedHash {
  algorithm: 'md5' | 'sha1' | 'sha256';
  hash: string;
}

const BY_LENGTH: Record<number, ListedHash['algorithm']> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/**
 * A line of a hash list as hotlines and `md5sum`/`sha256sum` write them: a hex digest, optionally `algorithm:`
 * before it or a file name after it. Blank lines and `#` comments are `null`; anything else is a problem, in words
 * that never repeat the line.
 */
export function parseHashLine(line: string): ListedHash | null | { problem: string } {
  const text = line.trim();
  if (!text || text.startsWith('#')) return null;
  const [first] = text.split(/\s+/);
  const match = /^(?:(md5|sha1|sha-1|sha256|sha-256):)?([0-9a-f]+)$/i.exec(first);
  if (!match) return { problem: 'is not a hex digest (MD5, SHA-1 or SHA-256)' };
  const hash = match[2].toLowerCase();
  const algorithm = BY_LENGTH[hash.length];
  if (!algorithm) return { problem: `a digest of ${hash.length} hex digits is not MD5, SHA-1 or SHA-256` };
  const named = match[1]?.toLowerCase().replace('-', '');
  if (named && named !== algorithm) return { problem: `is not a ${named} digest (wrong length)` };
  return { algorithm, hash };
}
