import { hostToResolve, type HostResolution, type HostResolver, type IntakeExtras } from '@takedown/intake';

/**
 * Lookups in flight at once for one batch. Each waits on the resolver, not on this process, but a batch of thousands
 * of distinct names must not become thousands of sockets at the resolver at once.
 */
export const RESOLVE_CONCURRENCY = 8;

/**
 * The host-name answer every report needs (undefined for those that name an address), as each intake channel asks
 * it: single notices, batches and mail alike. Each distinct name is asked once, at most `concurrency` at a time.
 */
export async function resolveHosts(
  resolver: Pick<HostResolver, 'resolve'>,
  items: readonly { dto: { urls: string[]; ip?: string }; extras: IntakeExtras }[],
  concurrency = RESOLVE_CONCURRENCY,
): Promise<(HostResolution | undefined)[]> {
  const hosts = items.map((item) => hostToResolve(item.dto, item.extras));
  const distinct = [...new Set(hosts.filter((h): h is string => h !== undefined))];
  const answers = new Map<string, HostResolution>();
  let next = 0;
  const lane = async () => {
    while (next < distinct.length) {
      const host = distinct[next++];
      answers.set(host, await resolver.resolve(host));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, distinct.length) }, lane));
  return hosts.map((host) => (host === undefined ? undefined : answers.get(host)));
}
