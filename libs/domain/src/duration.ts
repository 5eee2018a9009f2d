import { parse, toSeconds } from 'iso8601-duration';
import { DomainError } from './errors';

/**
 * Policy durations are ISO 8601 (`PT24H`, `PT15M`, `PT5S`). Years and months have no fixed length, so a policy
 * may not use them: a deadline must mean the same number of seconds whenever the notice arrives.
 */
export function durationToMs(iso: string): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(iso);
  } catch {
    throw new DomainError('POLICY.INVALID_DURATION', `"${iso}" is not an ISO 8601 duration`);
  }
  if (parsed.years || parsed.months) {
    throw new DomainError(
      'POLICY.INVALID_DURATION',
      `"${iso}" uses years or months, which have no fixed length`,
    );
  }
  return Math.round(toSeconds(parsed) * 1000);
}
