import { ConfigError, loadEnv } from '@takedown/config';

/** The message loadEnv throws for an environment. */
function problem(env: Record<string, string>): string {
  try {
    loadEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration errors and secrets', () => {
  it.each([
    ['DATABASE_URL', 'mysql://takedown:db-password-1234@db.internal/takedown', 'db-password-1234'],
    ['SMTP_URL', 'http://relay:smtp-password-5678@mail.internal', 'smtp-password-5678'],
    ['LINK_SIGNING_KEYS', 'k1:too-short-secret-9012', 'too-short-secret-9012'],
    [
      'FEEDBACK_WEBHOOKS',
      'Example Hotline|ftp://hotline.example/cb|webhook-secret-of-enough-length-3456',
      'webhook-secret-of-enough-length-3456',
    ],
  ])('names %s and says what is wrong, without its value', (name, value, secret) => {
    const message = problem({ [name]: value });
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name}: `));
    expect(message).toContain('value not shown');
    expect(message).not.toContain(secret);
  });

  it('shows the value of a variable that holds no secret, to make the mistake plain', () => {
    expect(problem({ API_PORT: 'eighty' })).toMatch(/^Invalid configuration: API_PORT: .* \(got "eighty"\)$/);
    expect(problem({ RATE_LIMIT_PER_MINUTE: '-1' })).toMatch(/RATE_LIMIT_PER_MINUTE: .* \(got "-1"\)/);
  });

  it('reads RATE_LIMIT_PER_MINUTE, 600 by default and 0 to turn the limit off', () => {
    expect(loadEnv({}).RATE_LIMIT_PER_MINUTE).toBe(600);
    expect(loadEnv({ RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE).toBe(0);
  });
});
