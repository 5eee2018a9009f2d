import { ConfigError, loadEnv } from '@takedown/config';

describe('paging configuration', () => {
  it('wants the key PagerDuty and Opsgenie need, naming PAGING_KEY without showing the URL', () => {
    for (const format of ['pagerduty', 'opsgenie']) {
      const url = 'https://events.pagerduty.example/v2/enqueue?secret=hook-secret-0000';
      expect(() => loadEnv({ PAGING_WEBHOOK_URL: url, PAGING_FORMAT: format })).toThrow(ConfigError);
      expect(() => loadEnv({ PAGING_WEBHOOK_URL: url, PAGING_FORMAT: format })).toThrow(/PAGING_KEY/);
      expect(() => loadEnv({ PAGING_WEBHOOK_URL: url, PAGING_FORMAT: format })).not.toThrow(/hook-secret/);
    }
    expect(loadEnv({ PAGING_WEBHOOK_URL: 'https://hooks.slack.example/T/B/x' }).PAGING_FORMAT).toBe('slack');
  });

  it('takes the repeat interval as an ISO 8601 duration of a second or more', () => {
    expect(loadEnv({}).PAGING_REPEAT_EVERY).toBe('PT5M');
    expect(() => loadEnv({ PAGING_REPEAT_EVERY: '5 minutes' })).toThrow(/PAGING_REPEAT_EVERY/);
    expect(() => loadEnv({ PAGING_REPEAT_EVERY: 'PT0S' })).toThrow(/PAGING_REPEAT_EVERY/);
    expect(() => loadEnv({ PAGING_FORMAT: 'pager' })).toThrow(/PAGING_FORMAT/);
  });
});
