import { Anchor, Badge, Card, Group, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { Link as RouterLink } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n, type MessageKey } from '../i18n';
import { Time } from '../time';

export type CaseStatus =
  'legal_review' | 'notice_period' | 'decommissioning' | 'terminated' | 'rejected' | 'withdrawn';

/** A case's status as a badge; the one that waits for legal stands out. */
export function CaseStatusBadge({ status }: { status: CaseStatus }) {
  const { t } = useI18n();
  return (
    <Badge
      tt="none"
      variant={status === 'legal_review' ? 'filled' : 'light'}
      color={status === 'legal_review' ? '#a63c00' : 'gray'}
      styles={{ label: { overflow: 'visible' } }}
      style={{ flexShrink: 0 }}
      data-testid="case-status"
    >
      {t(`legal.status.${status}` as MessageKey)}
    </Badge>
  );
}

/** Legal's list of termination cases (GET /v1/terminations): the ones waiting for review first, then newest first. */
export default function TerminationsPage() {
  const { t } = useI18n();
  const cases = useQuery({
    queryKey: ['terminations'],
    queryFn: async () => unwrap(await api.GET('/v1/terminations', { params: { query: { limit: 200 } } })),
  });
  // A narrow window gets a card per case: four columns do not fit.
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const items = [...(cases.data?.items ?? [])].sort(
    (a, b) => Number(b.status === 'legal_review') - Number(a.status === 'legal_review'),
  );
  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          {t('legal.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('legal.subtitle')}
        </Text>
      </div>
      {cases.error && <ErrorAlert error={cases.error} />}
      {cases.isPending && <Loading />}
      {cases.data && items.length === 0 && (
        <Text py="xl" ta="center" c="gray.8" data-testid="cases-empty">
          {t('legal.empty')}
        </Text>
      )}
      {items.length > 0 && narrow && (
        <Stack gap="xs" data-testid="cases-list">
          {items.map((c) => (
            <Card key={c.id} withBorder padding="sm" data-case={c.id}>
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                <Anchor
                  component={RouterLink}
                  to={`/terminations/${c.id}`}
                  size="sm"
                  fw={600}
                  style={{ overflowWrap: 'anywhere' }}
                >
                  {c.customer.name} ({c.customer.reference})
                </Anchor>
                <CaseStatusBadge status={c.status} />
              </Group>
              <Text size="sm" lineClamp={2} mt={4} style={{ overflowWrap: 'anywhere' }}>
                {c.reason}
              </Text>
              <Text size="xs" c="gray.7" mt={4}>
                {t('legal.opened')}: <Time iso={c.openedAt} />
              </Text>
            </Card>
          ))}
        </Stack>
      )}
      {items.length > 0 && !narrow && (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs" data-testid="cases-table">
            <VisuallyHidden component="caption">{t('legal.subtitle')}</VisuallyHidden>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('legal.customer')}</Table.Th>
                <Table.Th scope="col">{t('legal.status')}</Table.Th>
                <Table.Th scope="col">{t('legal.opened')}</Table.Th>
                <Table.Th scope="col">{t('legal.reason')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.id} data-case={c.id}>
                  <Table.Td maw={280}>
                    <Anchor
                      component={RouterLink}
                      to={`/terminations/${c.id}`}
                      size="sm"
                      fw={600}
                      style={{ overflowWrap: 'anywhere' }}
                    >
                      {c.customer.name} ({c.customer.reference})
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <CaseStatusBadge status={c.status} />
                  </Table.Td>
                  <Table.Td>
                    <Time iso={c.openedAt} />
                  </Table.Td>
                  <Table.Td maw={360}>
                    <Text size="sm" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
                      {c.reason}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
