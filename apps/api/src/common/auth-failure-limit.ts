import { Injectable } from '@nestjs/common';
import { AppConfig } from '../app-config';

const WINDOW_MS = 60_000;
/** Past this many addresses in the table, windows that are over are swept out (a scan of many addresses). */
const SWEEP_AT = 10_000;

/**
 * Failed authentications (401) per client address and minute (AUTH_FAILURES_PER_MINUTE; 0 turns it off). Past the
 * limit the address's failures are answered 429 with Retry-After until its minute is over: guessing tokens or
 * replaying stolen ones gets slow, and each try stops costing a database look-up's worth of attention. A request
 * that authenticates is never refused here, so a client with a valid token behind the same address (a NAT, an
 * office) is not locked out by someone else's failures. Counted per API process, like the request rate limit.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  private readonly limit: number;

  constructor(config: AppConfig) {
    this.limit = config.env.AUTH_FAILURES_PER_MINUTE;
  }

  /** Counts one failure; the seconds the address must wait when it is past the limit, else 0. */
  fail(address: string, now = Date.now()): number {
    if (this.limit === 0) return 0;
    if (this.windows.size >= SWEEP_AT) this.sweep(now);
    let window = this.windows.get(address);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures++;
    return window.failures > this.limit ? Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)) : 0;
  }

  private sweep(now: number): void {
    for (const [address, window] of this.windows) {
      if (now - window.start >= WINDOW_MS) this.windows.delete(address);
    }
  }
}
