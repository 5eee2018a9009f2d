import { Text, Tooltip } from '@mantine/core';
import { URGENCY_COLOR, urgency } from '../time';
import { usePortalI18n, type PortalTranslate } from './i18n';

const locale = (language: string) => (language === 'nl' ? 'nl-NL' : 'en-GB');

/** A time in the customer's time zone, with the zone named (times in emails and portal agree). */
export function portalTime(iso: string, language: string, timeZone: string, exact = false): string {
  return new Intl.DateTimeFormat(locale(language), {
    ...(exact ? { year: 'numeric', month: 'long', second: '2-digit' } : { month: 'short' }),
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** A span of time the way people say it: "42 min", "18 h", "3 d" (rounded down, at least 1 min). */
function duration(ms: number, t: PortalTranslate): string {
  const minutes = Math.max(1, Math.floor(Math.abs(ms) / 60_000));
  if (minutes < 120) return t('time.min', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('time.h', { n: hours });
  return t('time.d', { n: Math.floor(hours / 24) });
}

/** A time with the exact time (seconds, zone) on hover and for screen readers. */
export function PortalTime({ iso }: { iso: string }) {
  const { language, timeZone } = usePortalI18n();
  const exact = portalTime(iso, language, timeZone, true);
  return (
    <Tooltip label={exact} openDelay={300}>
      <time dateTime={iso} title={exact}>
        {portalTime(iso, language, timeZone)}
      </time>
    </Tooltip>
  );
}

/** Time left before a deadline, coloured by urgency, counting down as `now` ticks. */
export function PortalTimeLeft({ deadline, now }: { deadline: string | null | undefined; now: number }) {
  const { t, language, timeZone } = usePortalI18n();
  if (!deadline) {
    return (
      <Text span size="sm" c={URGENCY_COLOR.none} fs="italic">
        {t('time.noDeadline')}
      </Text>
    );
  }
  const left = Date.parse(deadline) - now;
  const level = urgency(deadline, now);
  const exact = portalTime(deadline, language, timeZone, true);
  return (
    <Tooltip label={exact} openDelay={300}>
      <Text span fw={700} c={URGENCY_COLOR[level]} title={exact} data-urgency={level} data-testid="time-left">
        {left <= 0
          ? t('time.overdue', { time: duration(left, t) })
          : t('time.left', { time: duration(left, t) })}
      </Text>
    </Tooltip>
  );
}
