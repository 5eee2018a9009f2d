import { ConfigError, loadEnv } from '@takedown/config';

describe('retention configuration', () => {
  it('keeps closed notices a year unless told otherwise, with no per-category exceptions', () => {
    const env = loadEnv({});
    expect(env.RETENTION_DAYS).toBe(365);
    expect(env.RETENTION_DAYS_BY_CATEGORY).toEqual({});
  });

  it('reads per-category exceptions as category:days pairs', () => {
    expect(loadEnv({ RETENTION_DAYS: '180', RETENTION_DAYS_BY_CATEGORY: 'csam:730, spam:90' })).toMatchObject(
      { RETENTION_DAYS: 180, RETENTION_DAYS_BY_CATEGORY: { csam: 730, spam: 90 } },
    );
  });

  it('refuses zero days, an unknown category and a pair without days, naming the variable', () => {
    expect(() => loadEnv({ RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadEnv({ RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
    expect(() => loadEnv({ RETENTION_DAYS_BY_CATEGORY: 'porn:30' })).toThrow(
      /RETENTION_DAYS_BY_CATEGORY: "porn:30" must be category:days/,
    );
    expect(() => loadEnv({ RETENTION_DAYS_BY_CATEGORY: 'csam:0' })).toThrow(/RETENTION_DAYS_BY_CATEGORY/);
    expect(() => loadEnv({ RETENTION_DAYS_BY_CATEGORY: 'csam' })).toThrow(/RETENTION_DAYS_BY_CATEGORY/);
  });

  it('runs the retention schedule daily at 03:15 UTC unless told another cron or off; refuses anything else', () => {
    expect(loadEnv({}).RETENTION_SCHEDULE).toBe('15 3 * * *');
    expect(loadEnv({ RETENTION_SCHEDULE: 'off' }).RETENTION_SCHEDULE).toBe('off');
    expect(loadEnv({ RETENTION_SCHEDULE: '0 2 * * 1' }).RETENTION_SCHEDULE).toBe('0 2 * * 1');
    expect(() => loadEnv({ RETENTION_SCHEDULE: 'daily' })).toThrow(
      /RETENTION_SCHEDULE: must be a cron expression/,
    );
  });
});
