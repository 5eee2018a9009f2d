import { breachForecast, typicalRemoval } from '@takedown/api/notices/breach-forecast';

const now = new Date('2026-12-05T12:00:00Z');
const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000);
const SIX_HOURS = 6 * 3600;

describe('breach forecast: a notice will miss when the customer has not acted and less time is left than it takes', () => {
  const typical = typicalRemoval({ seconds: SIX_HOURS, removals: 5 }, { seconds: 3600, removals: 40 })!;

  it('goes by the customer’s own median when it has enough removals, else by the category’s, else none', () => {
    expect(typical).toEqual({ seconds: SIX_HOURS, removals: 5, basis: 'customer' });
    expect(typicalRemoval({ seconds: SIX_HOURS, removals: 2 }, { seconds: 3600, removals: 40 })).toEqual({
      seconds: 3600,
      removals: 40,
      basis: 'category',
    });
    expect(typicalRemoval(undefined, { seconds: 3600, removals: 3 })?.basis).toBe('category');
    expect(typicalRemoval({ seconds: 60, removals: 2 }, { seconds: 3600, removals: 2 })).toBeNull();
    expect(typicalRemoval(undefined, undefined)).toBeNull();
  });

  it('forecasts a miss when the time left is less than the typical time to removal', () => {
    const notice = { state: 'customer_notified' as const, deadline: inMinutes(40), customerActed: false };
    expect(breachForecast(notice, typical, now)).toEqual({
      willMiss: true,
      typicalSeconds: SIX_HOURS,
      basis: 'customer',
      removals: 5,
    });
    expect(breachForecast({ ...notice, state: 'reminded' }, typical, now)?.willMiss).toBe(true);
    expect(breachForecast({ ...notice, deadline: inMinutes(359) }, typical, now)?.willMiss).toBe(true);
  });

  it('forecasts no miss when at least the typical time is left', () => {
    const notice = { state: 'customer_notified' as const, deadline: inMinutes(360), customerActed: false };
    expect(breachForecast(notice, typical, now)?.willMiss).toBe(false);
    expect(breachForecast({ ...notice, deadline: inMinutes(20 * 60) }, typical, now)?.willMiss).toBe(false);
  });

  it('makes no forecast once the customer acted, the clock is not the customer’s, it has run out or no history', () => {
    const notice = { state: 'customer_notified' as const, deadline: inMinutes(40), customerActed: false };
    expect(breachForecast({ ...notice, customerActed: true }, typical, now)).toBeNull();
    expect(breachForecast({ ...notice, state: 'awaiting_confirmation' }, typical, now)).toBeNull();
    expect(breachForecast({ ...notice, state: 'unattributed' }, typical, now)).toBeNull();
    expect(breachForecast({ ...notice, state: 'closed' }, typical, now)).toBeNull();
    expect(breachForecast({ ...notice, deadline: null }, typical, now)).toBeNull();
    expect(breachForecast({ ...notice, deadline: inMinutes(-5) }, typical, now)).toBeNull();
    expect(breachForecast(notice, null, now)).toBeNull();
  });
});
