import { Resolver } from 'node:dns/promises';
import type { DNSResolver } from 'mailauth';
import { getDomain } from 'tldts';
import { fromSourceRanges, sourceForSender, type MailSource } from '@takedown/domain';

export type { DNSResolver } from 'mailauth';

export interface MailAuthOptions {
  sources: MailSource[];
  /** The SMTP client's address, when the channel knows it (the listener's peer, the pipe's `--client-ip`). */
  clientIp?: string;
  /** The authserv-id of the provider's own MX, whose `Authentication-Results` header is trusted (RFC 8601). */
  trustedAuthservId?: string;
  /** Where DKIM keys are looked up; the system's resolver when not given. */
  resolver?: DNSResolver;
}

export type MailAuthVerdict =
  | { authenticated: true; source: MailSource; from: string; by: 'dkim' | 'authentication-results' }
  | {
      authenticated: false;
      from: string | null;
      reason: string;
      /** A DNS failure stood in the way: the same message may pass later. */
      temporary?: boolean;
    };

/**
 * Whose mail this is, as DMARC reads it: the one address of the `From:` header speaks for a source only when a DKIM
 * signature of the same organisational domain verifies (relaxed alignment), here or, as the trusted MX's
 * `Authentication-Results` says, there; and, when the source lists IP ranges, the client is in one of them. The
 * envelope sender proves nothing: anyone can give any.
 */
export async function authenticateMail(raw: Buffer, opts: MailAuthOptions): Promise<MailAuthVerdict> {
  // Loaded with the first mail (about a quarter of a second): not by every process that only imports this module.
  const [{ dkimVerify }, { default: parseAuthHeader }] = await Promise.all([
    import('mailauth'),
    import('mailauth/lib/parse-dkim-headers'),
  ]);
  const dkim = await dkimVerify(raw, { resolver: opts.resolver ?? systemResolver });
  const senders = [...new Set(dkim.headerFrom.map((a) => a.toLowerCase()))];
  // DMARC refuses to pick one of several authors; so does this.
  if (senders.length !== 1) {
    return { authenticated: false, from: null, reason: 'the message needs exactly one From: address' };
  }
  const from = senders[0];
  const source = sourceForSender(opts.sources, from);
  if (!source) return { authenticated: false, from, reason: `${from} is not on any source's sender list` };
  if (!fromSourceRanges(source, opts.clientIp)) {
    return { authenticated: false, from, reason: `mail for ${source.name} must come from its IP ranges` };
  }
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  if (dkim.results.some((r) => r.status.result === 'pass' && aligned(fromDomain, r.signingDomain))) {
    return { authenticated: true, source, from, by: 'dkim' };
  }
  if (
    opts.trustedAuthservId &&
    trustedResultPasses(parseAuthHeader, dkim.headers?.parsed ?? [], opts.trustedAuthservId, fromDomain)
  ) {
    return { authenticated: true, source, from, by: 'authentication-results' };
  }
  const seen = dkim.results
    .map(
      (r) =>
        `${r.signingDomain ?? '?'}: ${r.status.result}${r.status.comment ? ` (${r.status.comment})` : ''}`,
    )
    .join(', ');
  return {
    authenticated: false,
    from,
    reason: `no DKIM signature of ${fromDomain}'s domain verifies${seen ? ` (${seen})` : ''}`,
    ...(dkim.results.some((r) => r.status.result === 'temperror') ? { temporary: true } : {}),
  };
}

/** DMARC's relaxed alignment: the same organisational domain. */
function aligned(fromDomain: string, signingDomain: string | undefined): boolean {
  if (!signingDomain) return false;
  const org = (d: string) => (getDomain(d, { allowPrivateDomains: true }) ?? d).toLowerCase();
  return org(fromDomain) === org(signingDomain);
}

/**
 * The MX deletes any `Authentication-Results` carrying its own authserv-id from incoming mail (RFC 8601 §5), so
 * the one that carries it was written by the MX; its verdict counts for an aligned DKIM pass only.
 */
function trustedResultPasses(
  parseAuthHeader: typeof import('mailauth/lib/parse-dkim-headers').default,
  headers: { key: string; line: unknown }[],
  authservId: string,
  fromDomain: string,
) {
  const wanted = authservId.toLowerCase();
  for (const header of headers) {
    if (header.key !== 'authentication-results') continue;
    const parsed = parseAuthHeader(String(header.line)).parsed;
    if (parsed.value?.toLowerCase() !== wanted) continue;
    return (parsed.dkim ?? []).some(
      (r) =>
        r.value?.toLowerCase() === 'pass' &&
        aligned(fromDomain, r.header?.d ?? r.header?.i?.replace(/^.*@/, '')),
    );
  }
  return false;
}

const defaultResolver = new Resolver();

const systemResolver: DNSResolver = (name, rrtype) =>
  defaultResolver.resolve(name, rrtype) as Promise<string[][] | string[]>;

/** A resolver that asks these servers (`host` or `host:port`) only. */
export function dnsResolver(servers: string[]): DNSResolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers(servers);
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
}
