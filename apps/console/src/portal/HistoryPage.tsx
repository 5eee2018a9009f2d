import { Alert, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { categoryLabel } from '../labels';
import { AppealPanel } from './AppealPanel';
import { PortalError, PortalLoading } from './feedback';
import { usePortalI18n, type PortalKey } from './i18n';
import { EndCustomerLine, ReportedUrls, shortId } from './notice-parts';
import { useAppeals, useNotices } from './queries';
import { PortalTime } from './time';

export default function HistoryPage() {
  const { t, language } = usePortalI18n();
  const notices = useNotices('closed');
  const appeals = useAppeals();
  // Each notice's appeal: one per decision.
  const appealOf = new Map((appeals.data ?? []).filter((a) => a.noticeId).map((a) => [a.noticeId, a]));
  if (notices.error && !notices.data) return <PortalError error={notices.error} />;
  if (!notices.data) return <PortalLoading />;
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          {t('history.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('history.subtitle')}
        </Text>
      </div>
      {notices.data.length === 0 ? (
        <Alert color="gray" role="status" data-testid="history-empty">
          {t('history.empty')}
        </Alert>
      ) : (
        <Stack gap="sm" data-testid="closed-notices">
          {notices.data.map((n) => (
            <Paper key={n.id} withBorder p="md" component="article" data-notice={n.id}>
              <Stack gap={6}>
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Group gap="xs" wrap="wrap">
                    <Text fw={700}>{categoryLabel(n.category, language)}</Text>
                    <Text size="sm" c="gray.7" ff="monospace">
                      {shortId(n.id)}
                    </Text>
                  </Group>
                  {n.outcome && (
                    <Badge variant="default" tt="none">
                      {t('history.outcome', { outcome: t(`outcome.${n.outcome}` as PortalKey) })}
                    </Badge>
                  )}
                </Group>
                <EndCustomerLine notice={n} />
                <ReportedUrls urls={n.urls} />
                <Text size="xs" c="gray.7">
                  {t('open.received')}: <PortalTime iso={n.receivedAt} />
                  {n.closedAt && (
                    <>
                      {' · '}
                      {t('history.closed')}: <PortalTime iso={n.closedAt} />
                    </>
                  )}
                </Text>
                {/* An end customer's strike is its own to appeal; the reseller appeals only the window it let pass. */}
                {appeals.data && (!n.endCustomer || n.resellerStrike) && (
                  <AppealPanel notice={n} appeal={appealOf.get(n.id)} />
                )}
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
