import { ConfigError, loadEnv } from '@takedown/config';
import { dataSourceOptions } from '@takedown/persistence';

describe('configuration', () => {
  it('applies defaults when nothing is set', () => {
    const env = loadEnv({});
    expect(env.API_PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.POLICY_PROFILE).toBe('default');
  });

  it('rejects a bad value with one line that names the variable and the value', () => {
    expect(() => loadEnv({ API_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadEnv({ API_PORT: 'eighty' })).toThrow(/^Invalid configuration: API_PORT: .*"eighty"/);
  });

  it('rejects a database URL that is not postgres', () => {
    expect(() => loadEnv({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(
      /DATABASE_URL: must be a URL with one of postgres:/,
    );
  });

  it('rejects a Temporal address without a port', () => {
    expect(() => loadEnv({ TEMPORAL_ADDRESS: 'temporal.internal' })).toThrow(
      /TEMPORAL_ADDRESS: must be host:port/,
    );
  });

  it('treats empty variables as unset, as .env files often leave them', () => {
    expect(loadEnv({ SMTP_URL: '', TEMPORAL_ADDRESS: '' }).SMTP_URL).toBeUndefined();
  });

  it('sizes the PostgreSQL pool of the API and the worker from DATABASE_POOL_SIZE (default 20)', () => {
    expect(loadEnv({}).DATABASE_POOL_SIZE).toBe(20);
    const { DATABASE_POOL_SIZE } = loadEnv({ DATABASE_POOL_SIZE: '64' });
    expect(DATABASE_POOL_SIZE).toBe(64);
    const options = dataSourceOptions('postgres://db.internal/takedown', { poolSize: DATABASE_POOL_SIZE });
    expect((options as { extra: { max: number } }).extra).toMatchObject({
      max: 64,
      connectionTimeoutMillis: 5000,
    });
    expect(() => loadEnv({ DATABASE_POOL_SIZE: '1' })).toThrow(
      /^Invalid configuration: DATABASE_POOL_SIZE: /,
    );
  });
});
