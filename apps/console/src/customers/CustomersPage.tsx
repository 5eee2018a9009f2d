import { Anchor, Card, Group, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n, type MessageKey } from '../i18n';
import { CustomerStatusBadge } from './labels';
import { useCustomers } from './queries';

/** Every customer the person may see (an account manager: its own), searchable by name or reference. */
export default function CustomersPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(search.trim(), 300);
  const customers = useCustomers(params.get('q') ?? '');
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const items = customers.data?.items ?? [];

  // The search lives in the URL, so that a view can be shared.
  useEffect(() => {
    if ((params.get('q') ?? '') === q) return;
    setParams(q ? { q } : {}, { replace: true });
  }, [q, params, setParams]);

  const link = (c: (typeof items)[number]) => (
    <Anchor
      component={RouterLink}
      to={`/customers/${c.id}`}
      size="sm"
      fw={600}
      style={{ overflowWrap: 'anywhere' }}
    >
      {c.name} ({c.reference})
    </Anchor>
  );

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1} size="h2">
            {t('customers.title')}
          </Title>
          <Text size="sm" c="gray.7">
            {t('customers.subtitle')}
          </Text>
        </div>
        <Text size="sm" c="gray.7" aria-live="polite" data-testid="customers-count">
          {customers.data ? t('customers.count', { count: customers.data.total }) : ''}
        </Text>
      </Group>
      <TextInput
        type="search"
        label={t('customers.search')}
        placeholder={t('customers.searchPlaceholder')}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={480}
      />
      {customers.error && <ErrorAlert error={customers.error} />}
      {customers.isPending && <Loading />}
      {customers.data && items.length === 0 && (
        <Text py="xl" ta="center" c="gray.8" data-testid="customers-empty">
          {t('customers.empty')}
        </Text>
      )}
      {items.length > 0 && narrow && (
        <Stack gap="xs" data-testid="customers-list">
          {items.map((c) => (
            <Card key={c.id} withBorder padding="sm" data-customer={c.id}>
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                {link(c)}
                <CustomerStatusBadge status={c.status} />
              </Group>
              <Text size="xs" c="gray.7" mt={4} style={{ overflowWrap: 'anywhere' }}>
                {t(`customer.contract.${c.contractType}` as MessageKey)}
                {c.accountManager.name ? ` · ${c.accountManager.name}` : ''}
              </Text>
            </Card>
          ))}
        </Stack>
      )}
      {items.length > 0 && !narrow && (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs" data-testid="customers-table">
            <VisuallyHidden component="caption">{t('customers.subtitle')}</VisuallyHidden>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('customers.col.name')}</Table.Th>
                <Table.Th scope="col">{t('customers.col.contract')}</Table.Th>
                <Table.Th scope="col">{t('customers.col.status')}</Table.Th>
                <Table.Th scope="col">{t('customers.col.manager')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.id} data-customer={c.id}>
                  <Table.Td maw={340}>{link(c)}</Table.Td>
                  <Table.Td>{t(`customer.contract.${c.contractType}` as MessageKey)}</Table.Td>
                  <Table.Td>
                    <CustomerStatusBadge status={c.status} />
                  </Table.Td>
                  <Table.Td maw={240} style={{ overflowWrap: 'anywhere' }}>
                    {c.accountManager.name ?? t('customer.manager.none')}
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
