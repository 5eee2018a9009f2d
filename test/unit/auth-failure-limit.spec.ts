import { AuthFailureLimiter } from '@takedown/api/common/auth-failure-limit';
import type { AppConfig } from '@takedown/api/app-config';

const limiter = (limit: number) =>
  new AuthFailureLimiter({ env: { AUTH_FAILURES_PER_MINUTE: limit } } as unknown as AppConfig);

describe('AuthFailureLimiter', () => {
  it('lets an address fail the limit’s number of times a minute, then says how long to wait', () => {
    const l = limiter(2);
    const t0 = 1_000_000;
    expect(l.fail('192.0.2.1', t0)).toBe(0);
    expect(l.fail('192.0.2.1', t0 + 1000)).toBe(0);
    expect(l.fail('192.0.2.1', t0 + 15_000)).toBe(45);
    expect(l.fail('192.0.2.1', t0 + 59_500)).toBe(1);
    // Another address has its own count; a new minute starts a new count.
    expect(l.fail('192.0.2.2', t0 + 15_000)).toBe(0);
    expect(l.fail('192.0.2.1', t0 + 60_000)).toBe(0);
  });

  it('never limits with 0', () => {
    const l = limiter(0);
    for (let i = 0; i < 100; i++) expect(l.fail('192.0.2.1')).toBe(0);
  });
});
