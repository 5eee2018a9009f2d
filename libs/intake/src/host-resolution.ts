import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { IntakeExtras } from './notice-input';

/** What asking DNS for a report's host name gave: the notice's timeline keeps it as evidence of the attribution. */
export interface HostResolution {
  host: string;
  /** The servers asked (`system` when the system's resolver was used). */
  resolver: string;
  resolvedAt: string;
  /** A and AAAA answers, in that order. */
  addresses: string[];
  /** Why there are no addresses: NXDOMAIN, TIMEOUT, or another DNS error code. */
  error?: string;
}

/**
 * Resolves host names through the configured servers (`DNS_RESOLVER`), or the system's when none are. A and AAAA are
 * asked together; a name with neither is an answer with no addresses, not a failure of DNS.
 */
export class HostResolver {
  private readonly resolver: Resolver;
  private readonly label: string;

  constructor(servers: readonly string[], timeoutMs: number) {
    // One try: a report waits for its answer, and the desk's attribute task is the fallback.
    this.resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (servers.length) this.resolver.setServers([...servers]);
    this.label = servers.length ? servers.join(',') : 'system';
  }

  async resolve(host: string): Promise<HostResolution> {
    const resolvedAt = new Date().toISOString();
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(host), this.resolver.resolve6(host)]);
    const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const base = { host, resolver: this.label, resolvedAt, addresses };
    if (addresses.length) return base;
    const codes = [v4, v6].map((r) => (r.status === 'rejected' ? dnsCode(r.reason) : 'NODATA'));
    return { ...base, error: codes.find((c) => c !== 'NODATA') ?? 'NODATA' };
  }
}

/** c-ares' codes in the words a DNS operator uses. */
function dnsCode(err: unknown): string {
  const code = (err as { code?: string }).code ?? 'ERROR';
  if (code === 'ENOTFOUND') return 'NXDOMAIN';
  if (code === 'ENODATA') return 'NODATA';
  if (code === 'ETIMEOUT') return 'TIMEOUT';
  return code.replace(/^E/, '');
}

/**
 * The host name a notice must be resolved for: one that names no address, by a report's host name or its first URL's
 * host when that is a name. Undefined when the notice has an address (or its URL is one).
 */
export function hostToResolve(
  dto: { urls: string[]; ip?: string },
  extras: IntakeExtras,
): string | undefined {
  if (dto.ip) return undefined;
  if (extras.host) return extras.host;
  if (!dto.urls.length) return undefined;
  const hostname = new URL(dto.urls[0]).hostname.replace(/^\[|\]$/g, '');
  return isIP(hostname) ? undefined : hostname.toLowerCase();
}
