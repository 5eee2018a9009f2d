import { Cidr, DomainError, seesFullUrls, type Role } from '@takedown/domain';
import { sourceOnly, type NoticeScope, type SqlRef } from './notice-scope';

/** What a search text was taken for: the desk types it without saying which. */
export type SearchKind = 'cidr' | 'hash' | 'host' | 'text';

const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** Looks like an address or a prefix; what then does not parse as one is searched as text, unless it has a `/`. */
const ADDRESS_LIKE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]*)(?:\/\d{1,3})?$/i;
/** Reads as a host name: labels of letters, digits and hyphens, at least two, the last with a letter. */
const HOST_LIKE = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z][a-z0-9-]*\.?$/i;

/**
 * How `q` is searched: an address or a prefix by inet containment (a bare address is its own /32 or /128), an MD5,
 * SHA-1 or SHA-256 by the notice's hashes, a host name by the notices on it or its subdomains, anything else as a
 * fragment of a URL or host, or a source's reference. Each kind is answered from an index (migrations 1796200000000
 * and 1796440000000). A host name that finds nothing is searched again as a fragment (`asFragment`): `tenant.exam`
 * reads as a host name too.
 */
export function searchKind(q: string, asFragment = false): { kind: SearchKind; value: string } {
  const text = q.trim();
  if (ADDRESS_LIKE.test(text)) {
    try {
      return { kind: 'cidr', value: Cidr.parse(text, 'q').toString() };
    } catch (err) {
      // A prefix that is wrong is the caller's mistake; `2026:17` without one may well be a reference.
      if (text.includes('/')) throw err;
    }
  }
  if (HASH.test(text)) return { kind: 'hash', value: text.toLowerCase() };
  if (!asFragment && HOST_LIKE.test(text))
    return { kind: 'host', value: text.toLowerCase().replace(/\.$/, '') };
  return { kind: 'text', value: text };
}

/**
 * The condition on notices (alias `n`) that `q` finds, as this reader may search them. A reader that may not see a
 * CSAM URL's path (`seesFullUrls`) searches CSAM notices by their hosts only: a fragment of the path would otherwise
 * tell it, one guess at a time, what the path holds. A source matches references of its own reports only.
 */
export function searchCondition(
  q: string,
  roles: readonly Role[],
  visibility: NoticeScope,
  ref: SqlRef,
  asFragment = false,
): string {
  const { kind, value } = searchKind(q, asFragment);
  if (kind === 'cidr') return `n.ip <<= CAST(${ref('searchCidr', value)} AS inet)`;
  const own = (alias: string) =>
    !visibility.all && visibility.source
      ? ` AND ${alias}.source_kind = ${ref('visSourceKind', visibility.source.kind)}` +
        ` AND ${alias}.source_name = ${ref('visSourceName', visibility.source.name)}`
      : '';
  // An array, not `IN (subquery)`: the reports are looked up once, and the notices by primary key, so that an OR with
  // the other conditions stays a union of index scans rather than a filter over every notice.
  const byReference = (text: string) =>
    `n.id = ANY(ARRAY(SELECT r_q.notice_id FROM notice_reports r_q WHERE r_q.source_reference = ${ref('searchText', text)}${own('r_q')}))`;
  if (kind === 'hash') {
    return `(notice_hash_values(n.hashes) @> ARRAY[CAST(${ref('searchHash', value)} AS text)] OR ${byReference(q.trim())})`;
  }
  // A source searches the URLs its own reports named: a fragment of another's would tell it what else was reported.
  const urls = () =>
    sourceOnly(visibility)
      ? `ARRAY(SELECT n.urls[p] FROM notice_reports r_u, unnest(r_u.url_positions) p WHERE r_u.notice_id = n.id${own('r_u')})`
      : 'n.urls';
  if (kind === 'host') {
    // Hosts only, so a CSAM notice is found by its host by whoever may see the notice, as by a fragment of its host.
    return `(notice_url_domains(${urls()}) @> ARRAY[CAST(${ref('searchHost', value)} AS text)] OR ${byReference(q.trim())})`;
  }
  if (value.length < 3) {
    throw new DomainError('REQUEST.INVALID', 'q: a URL or host fragment needs at least 3 characters', 'q');
  }
  const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const byUrl = seesFullUrls(roles, 'csam')
    ? `notice_urls_text(${urls()}) ILIKE ${ref('searchPattern', pattern)}`
    : `((n.category <> 'csam' AND notice_urls_text(${urls()}) ILIKE ${ref('searchPattern', pattern)})
        OR (n.category = 'csam' AND notice_url_hosts(${urls()}) ILIKE ${ref('searchPattern', pattern)}))`;
  return `(${byUrl} OR ${byReference(value)})`;
}
