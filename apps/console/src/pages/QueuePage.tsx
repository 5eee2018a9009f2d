import {
  Anchor,
  Badge,
  Card,
  Button,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMediaQuery } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';
import type { NoticeSummary } from '../api/client';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n } from '../i18n';
import { categoryLabel, DESK_STATES, stateLabel } from '../labels';
import {
  customerAnswered,
  OPEN_STATES,
  useCustomerNames,
  useOpenNotices,
  type QueueFilters,
} from '../queue-data';
import { Time, TimeLeft, useNow } from '../time';

const CATEGORIES: NoticeSummary['category'][] = [
  'csam',
  'terrorist_content',
  'phishing',
  'malware',
  'spam',
  'copyright',
  'other',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The filters as the URL says them; a value the API would refuse is left out (and the field says why). */
function filtersOf(params: URLSearchParams): QueueFilters {
  const status = params.get('status');
  const category = params.get('category');
  const customer = params.get('customer');
  return {
    status: OPEN_STATES.find((s) => s === status),
    category: CATEGORIES.find((c) => c === category),
    customer: customer && UUID.test(customer) ? customer : undefined,
  };
}

const column = createColumnHelper<NoticeSummary>();

/** The state; the states where the desk holds the clock (triage, attribution, a removal to confirm) stand out. */
function StateBadge({ state }: { state: string }) {
  const { language } = useI18n();
  const desk = DESK_STATES.has(state);
  return (
    <Badge
      variant={desk ? 'filled' : 'light'}
      color={desk ? '#a63c00' : 'gray'}
      styles={{ label: { overflow: 'visible' } }}
      tt="none"
      style={{ flexShrink: 0 }}
    >
      {stateLabel(state, language)}
    </Badge>
  );
}

export function QueuePage() {
  const { t, language } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const queue = useOpenNotices(filters);
  const now = useNow();
  const notices = useMemo(() => queue.data?.items ?? [], [queue.data]);
  const names = useCustomerNames(notices.flatMap((n) => (n.customerId ? [n.customerId] : [])));
  const [active, setActive] = useState(0);
  // Below 62em (with the navigation beside it) a table of six columns does not fit: the rows become cards.
  const narrow = useMediaQuery('(max-width: 62em)') ?? false;
  const [customerInput, setCustomerInput] = useState(params.get('customer') ?? '');

  const setFilter = (name: keyof QueueFilters, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setActive(0);
  };

  const columns = useMemo(
    () => [
      column.accessor('deadline', {
        header: () => t('queue.col.timeLeft'),
        cell: (c) => <TimeLeft deadline={c.getValue()} now={now} />,
      }),
      column.accessor('state', {
        header: () => t('queue.col.state'),
        cell: (c) => <StateBadge state={c.getValue()} />,
      }),
      column.accessor('category', {
        header: () => t('queue.col.category'),
        // The one link of a row: the notice page (never the reported material).
        cell: (c) => (
          <Anchor component={RouterLink} to={`/notices/${c.row.original.id}`} size="sm" fw={600}>
            {categoryLabel(c.getValue(), language)}
          </Anchor>
        ),
      }),
      column.accessor('customerId', {
        header: () => t('queue.col.customer'),
        cell: (c) => {
          const id = c.getValue();
          if (!id)
            return (
              <Text span fs="italic" size="sm" c="gray.7">
                {t('queue.unattributed')}
              </Text>
            );
          return (
            <Text span size="sm" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
              {names.get(id) ?? id.slice(0, 8)}
            </Text>
          );
        },
      }),
      column.display({
        id: 'answered',
        header: () => t('queue.col.answered'),
        cell: (c) => (customerAnswered(c.row.original) ? t('queue.answered.yes') : t('queue.answered.no')),
      }),
      column.accessor('receivedAt', {
        header: () => t('queue.col.reported'),
        cell: (c) => <Time iso={c.getValue()} />,
      }),
    ],
    [t, language, now, names],
  );

  const table = useReactTable({
    data: notices,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (n) => n.id,
  });
  const rows = table.getRowModel().rows;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.metaKey || e.ctrlKey || e.altKey || target.closest('input, textarea, select, [role="combobox"]'))
        return;
      if (e.key === 'j') setActive((i) => Math.min(i + 1, rows.length - 1));
      else if (e.key === 'k') setActive((i) => Math.max(i - 1, 0));
      else if (e.key === 'Enter' && rows[active] && !target.closest('button, a'))
        navigate(`/notices/${rows[active].id}`);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, active, navigate]);

  useEffect(() => {
    document.querySelector(`[data-row="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const filtered = Boolean(filters.status || filters.category || filters.customer);
  const customerError =
    customerInput && !UUID.test(customerInput.trim()) ? t('filter.customerInvalid') : undefined;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1} size="h2">
            {t('queue.title')}
          </Title>
          <Text size="sm" c="gray.7">
            {t('queue.subtitle')}
          </Text>
        </div>
        <Text size="sm" c="gray.7" aria-live="polite" data-testid="queue-count">
          {notices.length > 0 ? t('queue.count', { count: notices.length }) : ''}
          {queue.isFetching && queue.data ? ` · ${t('queue.updating')}` : ''}
        </Text>
      </Group>
      <Group gap="sm" align="flex-start" wrap="wrap">
        <Select
          label={t('filter.status')}
          placeholder={t('filter.any')}
          clearable
          w={{ base: '100%', xs: 210 }}
          value={filters.status ?? null}
          onChange={(v) => setFilter('status', v)}
          data={OPEN_STATES.map((s) => ({ value: s, label: stateLabel(s, language) }))}
        />
        <Select
          label={t('filter.category')}
          placeholder={t('filter.any')}
          clearable
          w={{ base: '100%', xs: 190 }}
          value={filters.category ?? null}
          onChange={(v) => setFilter('category', v)}
          data={CATEGORIES.map((c) => ({ value: c, label: categoryLabel(c, language) }))}
        />
        <TextInput
          label={t('filter.customer')}
          w={{ base: '100%', xs: 330 }}
          value={customerInput}
          error={customerError}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setCustomerInput(value);
            if (!value.trim() || UUID.test(value.trim())) setFilter('customer', value.trim() || null);
          }}
        />
        {filtered && (
          <Button
            variant="subtle"
            mt={25}
            onClick={() => {
              setCustomerInput('');
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            {t('queue.clear')}
          </Button>
        )}
      </Group>
      {queue.error && <ErrorAlert error={queue.error} />}
      {queue.isPending && <Loading />}
      {queue.data && notices.length === 0 && (
        <Text py="xl" ta="center" c="gray.8" data-testid="queue-empty">
          {filtered ? t('queue.emptyFiltered') : t('queue.empty')}
        </Text>
      )}
      {notices.length > 0 && (
        <>
          <Text size="xs" c="gray.7" visibleFrom="sm">
            {t('queue.keys')}
          </Text>
          {narrow ? (
            <Stack gap="xs" data-testid="queue-list">
              {rows.map((row, index) => {
                const n = row.original;
                return (
                  <Card
                    key={row.id}
                    withBorder
                    padding="sm"
                    data-row={index}
                    data-notice={n.id}
                    data-active={index === active}
                  >
                    <Group justify="space-between" wrap="nowrap" gap="xs">
                      <TimeLeft deadline={n.deadline} now={now} />
                      <StateBadge state={n.state} />
                    </Group>
                    <Group gap="xs" mt={6} wrap="nowrap" align="flex-start">
                      <Anchor component={RouterLink} to={`/notices/${n.id}`} size="sm" fw={600}>
                        {categoryLabel(n.category, language)}
                      </Anchor>
                      <Text size="sm" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
                        {n.customerId
                          ? (names.get(n.customerId) ?? n.customerId.slice(0, 8))
                          : t('queue.unattributed')}
                      </Text>
                    </Group>
                    <Text size="xs" c="gray.7" mt={4}>
                      {t('queue.col.answered')}:{' '}
                      {customerAnswered(n) ? t('queue.answered.yes') : t('queue.answered.no')} ·{' '}
                      <Time iso={n.receivedAt} />
                    </Text>
                  </Card>
                );
              })}
            </Stack>
          ) : (
            <Table highlightOnHover verticalSpacing="xs" data-testid="queue-table">
              <VisuallyHidden component="caption">{t('queue.subtitle')}</VisuallyHidden>
              <Table.Thead>
                {table.getHeaderGroups().map((group) => (
                  <Table.Tr key={group.id}>
                    {group.headers.map((header) => (
                      <Table.Th key={header.id} scope="col">
                        {flexRender(header.column.columnDef.header, header.getContext())}
                      </Table.Th>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row, index) => (
                  <Table.Tr
                    key={row.id}
                    data-row={index}
                    data-notice={row.id}
                    data-active={index === active}
                    aria-current={index === active ? 'true' : undefined}
                    onClick={() => navigate(`/notices/${row.id}`)}
                    style={{ cursor: 'pointer' }}
                  >
                    {row.getVisibleCells().map((cell) => (
                      <Table.Td key={cell.id} maw={cell.column.id === 'customerId' ? 260 : undefined}>
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}
    </Stack>
  );
}
