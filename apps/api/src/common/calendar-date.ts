import { applyDecorators } from '@nestjs/common';
import { Matches, ValidateBy } from 'class-validator';

/**
 * A calendar date as `YYYY-MM-DD`, from 0001-01-01 to 9999-12-31 (PostgreSQL's `date` has no year 0). The pattern
 * goes into the OpenAPI document (digits spelled out: `\d` is any Unicode digit to some clients); the calendar check
 * refuses what the pattern lets through (2026-02-30), which PostgreSQL would refuse with an error of its own.
 */
export const CALENDAR_DATE_PATTERN = /^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

export function isCalendarDate(value: unknown): boolean {
  if (typeof value !== 'string' || !CALENDAR_DATE_PATTERN.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number);
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * `field must be a calendar date like 2026-03-01` otherwise, once: the calendar check passes what the pattern
 * refuses, so that a value is not refused twice in the same words.
 */
export function IsCalendarDate(): PropertyDecorator {
  const message = '$property must be a calendar date like 2026-03-01';
  return applyDecorators(
    Matches(CALENDAR_DATE_PATTERN, { message }),
    ValidateBy({
      name: 'isCalendarDate',
      validator: {
        validate: (value) =>
          typeof value !== 'string' || !CALENDAR_DATE_PATTERN.test(value) || isCalendarDate(value),
        defaultMessage: () => message,
      },
    }),
  );
}
