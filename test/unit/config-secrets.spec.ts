import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '@takedown/api/app-config';
import { AppModule } from '@takedown/api/app.module';
import { DevMailController } from '@takedown/api/dev-mail/dev-mail.controller';
import { ConfigError, isSecretVariable, loadEnv } from '@takedown/config';

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

  /** Every `NAME=value` of .env.example, commented out or not, whose name says it holds a secret. */
  const exampleSecrets = fs
    .readFileSync(path.resolve(__dirname, '..', '..', '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=(.+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, name, value]) => [name, value.trim()] as const)
    // A *_FILE variable names where a secret is, not the secret.
    .filter(([name, value]) => isSecretVariable(name) && !name.endsWith('_FILE') && value);

  it('finds the example secrets of .env.example', () => {
    expect(exampleSecrets.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'FEEDBACK_WEBHOOKS', 'LINK_SIGNING_KEYS', 'SMTP_URL']),
    );
  });

  it.each(exampleSecrets)(
    'refuses the example %s in production, naming it, and takes it in development',
    (name, value) => {
      const message = problem({ NODE_ENV: 'production', [name]: value });
      expect(message).toMatch(new RegExp(`${name}: holds an example secret`));
      expect(message).toContain('value not shown');
      expect(() => loadEnv({ NODE_ENV: 'development', [name]: value })).not.toThrow();
    },
  );

  it('takes secrets of its own in production', () => {
    const env = loadEnv({
      NODE_ENV: 'production',
      LINK_SIGNING_KEYS: '2026-12:Zq8vV1m3c0kL9sT2yB7nW4xR6pH5jD1f',
      DATABASE_URL: 'postgres://takedown_api:Zq8vV1m3c0kL9sT2@db.internal:5432/takedown',
    });
    expect(env.LINK_SIGNING_KEYS).toBeDefined();
  });

  it('never mounts /dev/mail in production: the configuration refuses it, and the module leaves it out', () => {
    expect(problem({ NODE_ENV: 'production', MAIL_CAPTURE_DIR: '/tmp/mail' })).toMatch(
      /MAIL_CAPTURE_DIR: serves every outgoing mail/,
    );
    const withCapture = (NODE_ENV: 'production' | 'development') =>
      AppModule.forConfig(
        new AppConfig({
          ...loadEnv({ MAIL_CAPTURE_DIR: '/tmp/mail' }),
          NODE_ENV,
          DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
          TEMPORAL_ADDRESS: '127.0.0.1:1',
        }),
      );
    expect(withCapture('development').controllers).toContain(DevMailController);
    expect(withCapture('production').controllers ?? []).not.toContain(DevMailController);
  });
});
