import { loadEnv, type Env } from '@takedown/config';

/** The configuration the test stack exported (see global-setup.ts), validated like the applications do. */
export function testEnv(overrides: Record<string, string> = {}): Env & {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  SMTP_URL: string;
} {
  // Tests poll the API in tight loops: a limit no test reaches; hardening.e2e.spec.ts tests a small one.
  const env = loadEnv({
    ...process.env,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    ...overrides,
  });
  if (!env.DATABASE_URL || !env.TEMPORAL_ADDRESS || !env.SMTP_URL) {
    throw new Error('the test stack is not running: integration tests run under jest project "integration"');
  }
  return {
    ...env,
    DATABASE_URL: env.DATABASE_URL,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
    SMTP_URL: env.SMTP_URL,
  };
}
