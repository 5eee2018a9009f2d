import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestSpace {
  /** `100.x.y.<last>`: an address in this test's IPv4 /24. */
  v4(last?: number): string;
  /** `fd7a:7e57:x`: this test's IPv6 /48 is `${v6}::/48`. */
  v6: string;
  /** A customer reference no other test uses. */
  ref(name: string): string;
}

/**
 * Address space and references for one test. All integration tests share one database, so each test claims a slot
 * of its own: a file created with O_EXCL in the run's folder, which no two jest workers can both create. Slot n is
 * 100.(64 + n / 256).(n % 256).0/24 (shared address space, used by no other test) and fd7a:7e57:(n + 1)::/48, in canonical form.
 */
export function testSpace(): TestSpace {
  const dir = process.env.TAKEDOWN_TEST_DIR;
  if (!dir)
    throw new Error('the test stack is not running: integration tests run under jest project "integration"');
  let slot = 0;
  for (; ; slot++) {
    try {
      fs.writeFileSync(path.join(dir, `test-space-${slot}`), '', { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const tag = randomBytes(4).toString('hex');
  return {
    v4: (last = 0) => `100.${64 + (slot >> 8)}.${slot & 255}.${last}`,
    v6: `fd7a:7e57:${(slot + 1).toString(16)}`,
    ref: (name) => `T-${tag}-${name}`,
  };
}
