import { Badge } from '@mantine/core';
import type { Schemas } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';

export type Customer = Schemas['CustomerView'];
export type StandingLevel = Schemas['StandingView']['level'];

/** A customer's status; anything but active stands out. */
export function CustomerStatusBadge({ status }: { status: Customer['status'] }) {
  const { t } = useI18n();
  return (
    <Badge
      tt="none"
      variant={status === 'active' ? 'light' : 'filled'}
      color={status === 'active' ? 'gray' : '#a63c00'}
      styles={{ label: { overflow: 'visible' } }}
      style={{ flexShrink: 0 }}
      data-testid="customer-status"
    >
      {t(`customer.status.${status}` as MessageKey)}
    </Badge>
  );
}

/** Text colours with at least 4.5:1 contrast on white, from good (green) to a termination case (dark red). */
const LEVEL_COLOR: Record<StandingLevel, string> = {
  good: '#1b6b30',
  watch: '#6b5900',
  warning: '#a63c00',
  final_warning: '#c92a2a',
  termination_case: '#8f1010',
};

export function StandingBadge({ level }: { level: StandingLevel }) {
  const { t } = useI18n();
  return (
    <Badge
      tt="none"
      variant="filled"
      color={LEVEL_COLOR[level]}
      styles={{ label: { overflow: 'visible' } }}
      data-testid="standing-level"
      data-level={level}
    >
      {t(`standing.level.${level}` as MessageKey)}
    </Badge>
  );
}
