import type { HostResolution } from '@takedown/intake';
import { resolveHosts } from '../../apps/api/src/intake/host-names';

/** The batch's lookups: each distinct name once, never more than the bound in flight (real DNS: host-names e2e). */
describe('resolveHosts', () => {
  const item = (url: string, ip?: string) => ({ dto: { urls: [url], ...(ip ? { ip } : {}) }, extras: {} });

  it('asks each distinct host once, at most `concurrency` at a time, and answers every item in order', async () => {
    const asked: string[] = [];
    let inFlight = 0;
    let most = 0;
    const resolver = {
      async resolve(host: string): Promise<HostResolution> {
        asked.push(host);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { host, resolver: 'test', resolvedAt: new Date().toISOString(), addresses: ['192.0.2.1'] };
      },
    };
    const items = Array.from({ length: 60 }, (_, i) => item(`https://h${i % 20}.example/${i}`));
    items.push(item('https://given.example/x', '192.0.2.9'));
    const answers = await resolveHosts(resolver, items, 4);
    expect(asked.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `h${i}.example`).sort());
    expect(most).toBe(4);
    expect(answers.slice(0, 60).map((a) => a?.host)).toEqual(
      items.slice(0, 60).map((_, i) => `h${i % 20}.example`),
    );
    expect(answers[60]).toBeUndefined();
  });

  it('asks nothing when every report gives its address', async () => {
    const resolver = { resolve: jest.fn() };
    expect(
      await resolveHosts(resolver, [item('https://198.51.100.7/x'), item('https://a.example/', '192.0.2.1')]),
    ).toEqual([undefined, undefined]);
    expect(resolver.resolve).not.toHaveBeenCalled();
  });
});
