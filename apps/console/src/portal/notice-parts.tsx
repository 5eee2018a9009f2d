import { Badge, Group, Stack, Text } from '@mantine/core';
import type { CustomerNotice } from './api';
import { usePortalI18n, type PortalKey } from './i18n';

/** What is asked of the customer, in its language, from the notice's state and the answers it takes. */
export function askedOf(notice: CustomerNotice): PortalKey {
  if (notice.state === 'closed') return 'asked.closed';
  if (notice.endCustomer && notice.resellerMode === 'informed') return 'asked.informed';
  if (notice.state === 'awaiting_confirmation') return 'asked.checking';
  return notice.answers.length > 0 ? 'asked.act' : 'asked.processing';
}

/** A notice named short: the first part of its id, enough to tell the customer's notices apart. */
export const shortId = (id: string) => id.slice(0, 8);

/** A reported URL: the customer's own content, as text to copy; never a link, an image or a frame. */
export function ReportedUrls({ urls }: { urls: string[] }) {
  return (
    <Stack gap={2}>
      {urls.map((url) => (
        <Text key={url} component="code" size="sm" ff="monospace" className="portal-url">
          {url}
        </Text>
      ))}
    </Stack>
  );
}

/** A reseller's view of an end customer's notice: whose it is, and whether the reseller acts first or reads along. */
export function EndCustomerLine({ notice }: { notice: CustomerNotice }) {
  const { t } = usePortalI18n();
  const end = notice.endCustomer;
  if (!end) return null;
  return (
    <Group gap="xs" wrap="wrap" data-testid="end-customer">
      <Text size="sm" fw={600}>
        {t('reseller.endCustomer', { name: end.name, reference: end.reference })}
      </Text>
      {notice.resellerMode && (
        <Badge variant="light" color="indigo" tt="none" data-testid="reseller-mode">
          {t(`reseller.${notice.resellerMode}`)}
        </Badge>
      )}
    </Group>
  );
}
