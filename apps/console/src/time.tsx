import { Badge, Text, Tooltip } from '@mantine/core';
import type { NoticeSummary } from './api/client';
import { useEffect, useState } from 'react';
import { useI18n, type Translate } from './i18n';

/**
 * The person's time zone: their own setting (GET /v1/me/settings, default the provider's), set when they sign in
 * and before any page renders; the browser's until then. Every time the console shows is in it, with the zone named.
 */
let timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export const currentTimeZone = (): string => timeZone;

export function setTimeZone(zone: string): void {
  timeZone = zone;
}

/** The current time, ticking: a countdown redraws without a refetch. */
export function useNow(everyMs = 5_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A span of time the way people say it: "42 min", "18 h", "3 d" (rounded down, at least 1 min). */
export function duration(ms: number, t: Translate): string {
  const minutes = Math.max(1, Math.floor(Math.abs(ms) / 60_000));
  if (minutes < 120) return t('time.min', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('time.h', { n: hours });
  return t('time.d', { n: Math.floor(hours / 24) });
}

export type Urgency = 'overdue' | 'critical' | 'soon' | 'later' | 'none';

/** How close a deadline is: past, within the hour, within the next 6 hours, later. */
export function urgency(deadline: string | null | undefined, now: number): Urgency {
  if (!deadline) return 'none';
  const left = Date.parse(deadline) - now;
  if (left <= 0) return 'overdue';
  if (left <= 60 * 60_000) return 'critical';
  if (left <= 6 * 60 * 60_000) return 'soon';
  return 'later';
}

/** Text colours with at least 4.5:1 contrast on white (WCAG AA; axe checks them). */
export const URGENCY_COLOR: Record<Urgency, string> = {
  overdue: '#8f1010',
  critical: '#c92a2a',
  soon: '#a63c00',
  later: '#1b6b30',
  none: 'gray.7',
};

export function exactTime(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    // Field by field: dateStyle/timeStyle cannot be combined with timeZoneName.
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

export function shortTime(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** A time with its zone; the exact time (seconds, zone) on hover and for screen readers as the element's title. */
export function Time({ iso }: { iso: string }) {
  const { language } = useI18n();
  const exact = exactTime(iso, language);
  return (
    <Tooltip label={exact} openDelay={300}>
      <time dateTime={iso} title={exact}>
        {shortTime(iso, language)}
      </time>
    </Tooltip>
  );
}

/** Time left on a clock, coloured by urgency, counting down as `now` ticks; the exact deadline on hover. */
export function TimeLeft({ deadline, now }: { deadline: string | null | undefined; now: number }) {
  const { t, language } = useI18n();
  if (!deadline) {
    return (
      <Text span size="sm" c={URGENCY_COLOR.none} fs="italic">
        {t('queue.noClock')}
      </Text>
    );
  }
  const left = Date.parse(deadline) - now;
  const level = urgency(deadline, now);
  const text =
    left <= 0 ? t('time.overdue', { time: duration(left, t) }) : t('time.left', { time: duration(left, t) });
  const exact = exactTime(deadline, language);
  return (
    <Tooltip label={exact} openDelay={300}>
      <Text
        span
        size="sm"
        fw={700}
        c={URGENCY_COLOR[level]}
        title={exact}
        data-urgency={level}
        style={{ whiteSpace: 'nowrap' }}
      >
        {text}
      </Text>
    </Tooltip>
  );
}

/**
 * The API's breach forecast (`forecast` on a notice): shown only when the notice is expected to miss its deadline,
 * as the time until it does, with the reason on hover (whose removals, how many, how long they typically take).
 */
export function BreachForecast({
  forecast,
  deadline,
  now,
}: {
  forecast: NoticeSummary['forecast'];
  deadline: string | null | undefined;
  now: number;
}) {
  const { t } = useI18n();
  if (!forecast?.willMiss || !deadline) return null;
  const left = Date.parse(deadline) - now;
  if (left <= 0) return null;
  const why = t(forecast.basis === 'customer' ? 'forecast.why.customer' : 'forecast.why.category', {
    n: forecast.removals,
    typical: duration(forecast.typicalSeconds * 1000, t),
  });
  return (
    <Tooltip label={why} multiline w={300} openDelay={300}>
      <Badge
        variant="filled"
        color={URGENCY_COLOR.overdue}
        tt="none"
        title={why}
        data-testid="breach-forecast"
        styles={{ label: { overflow: 'visible' } }}
      >
        {t('forecast.miss', { time: duration(left, t) })}
      </Badge>
    </Tooltip>
  );
}

/** A day with its year (a prefix held since 2024), the exact time on hover. */
export function Day({ iso }: { iso: string }) {
  const { language } = useI18n();
  const exact = exactTime(iso, language);
  const day = new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    dateStyle: 'medium',
    timeZone,
  }).format(new Date(iso));
  return (
    <time dateTime={iso} title={exact}>
      {day}
    </time>
  );
}
