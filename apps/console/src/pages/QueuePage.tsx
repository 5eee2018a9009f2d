import {
  Anchor,
  Badge,
  Card,
  Button,
  Checkbox,
  Chip,
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
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';
import type { NoticeSummary } from '../api/client';
import { BulkBar } from '../components/BulkBar';
import { CustomerPicker } from '../components/CustomerPicker';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n } from '../i18n';
import { categoryLabel, DESK_STATES, stateLabel } from '../labels';
import { useLiveEvents } from '../live';
import { useMe } from '../me';
import {
  customerAnswered,
  OPEN_STATES,
  useCustomerNames,
  useOpenNotices,
  type QueueFilters,
} from '../queue-data';
import { useParamChanges } from '../url-params';
import { BreachForecast, Time, TimeLeft, useNow } from '../time';

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
  const q = params.get('q')?.trim();
  return {
    status: OPEN_STATES.find((s) => s === status),
    category: CATEGORIES.find((c) => c === category),
    customer: customer && UUID.test(customer) ? customer : undefined,
    q: q && q.length >= SEARCH_MIN ? q : undefined,
    customerReplied: params.get('customerReplied') === 'true' || undefined,
    overdue: params.get('overdue') === 'true' || undefined,
    assignee: params.get('assignee') === 'me' ? 'me' : undefined,
  };
}

/** The API searches a URL or host fragment from 3 characters; an IP, CIDR or hash is longer anyway. */
const SEARCH_MIN = 3;

const column = createColumnHelper<NoticeSummary>();

/** Rows that belong to other filters than the URL's, until the answer to these is in. */
const STALE = { opacity: 0.45, transition: 'opacity 150ms' };

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
  // The rows of the filters before while the answer to these is on its way (the app keeps old data on screen): shown
  // dimmed and not counted, so that nobody reads another filter's rows as this one's.
  const stale = queue.isPlaceholderData;
  const names = useCustomerNames(notices.flatMap((n) => (n.customerId ? [n.customerId] : [])));
  const [active, setActive] = useState(0);
  // Below 62em (with the navigation beside it) a table of six columns does not fit: the rows become cards.
  const narrow = useMediaQuery('(max-width: 62em)') ?? false;
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);
  const live = useLiveEvents();
  const me = useMe().data;
  const bulk = me?.actsOnNotices ?? false;
  const pickCustomers = me?.areas.includes('customers') ?? false;
  const [selected, setSelected] = useState<string[]>([]);

  const changeParams = useParamChanges();
  const setFilter = (name: keyof QueueFilters, value: string | null) => {
    changeParams({ [name]: value }, { replace: true });
    setActive(0);
  };

  useEffect(() => {
    if ((params.get('q') ?? '') === debouncedSearch) return;
    if (debouncedSearch && debouncedSearch.length < SEARCH_MIN) return;
    const next = new URLSearchParams(params);
    if (debouncedSearch) next.set('q', debouncedSearch);
    else next.delete('q');
    setParams(next, { replace: true });
    setActive(0);
  }, [debouncedSearch, params, setParams]);

  // A selection holds only what is still on screen: a notice that left the queue cannot be acted on from here.
  useEffect(() => {
    const shown = new Set(notices.map((n) => n.id));
    setSelected((current) => {
      const kept = current.filter((id) => shown.has(id));
      return kept.length === current.length ? current : kept;
    });
  }, [notices]);
  const toggle = useCallback(
    (id: string) =>
      setSelected((current) => (current.includes(id) ? current.filter((s) => s !== id) : [...current, id])),
    [],
  );

  const columns = useMemo(
    () => [
      ...(bulk
        ? [
            column.display({
              id: 'select',
              header: () => (
                <Checkbox
                  aria-label={t('queue.selectAll')}
                  checked={notices.length > 0 && selected.length === notices.length}
                  indeterminate={selected.length > 0 && selected.length < notices.length}
                  onChange={() =>
                    setSelected(selected.length === notices.length ? [] : notices.map((n) => n.id))
                  }
                />
              ),
              cell: (c) => (
                <Checkbox
                  aria-label={t('queue.selectRow', { ref: c.row.original.sourceReference })}
                  checked={selected.includes(c.row.original.id)}
                  onClick={(e) => e.stopPropagation()}
                  onChange={() => toggle(c.row.original.id)}
                  data-testid="select-notice"
                />
              ),
            }),
          ]
        : []),
      column.accessor('deadline', {
        header: () => t('queue.col.timeLeft'),
        cell: (c) => (
          <Stack gap={4} align="flex-start">
            <TimeLeft deadline={c.getValue()} now={now} />
            <BreachForecast forecast={c.row.original.forecast} deadline={c.getValue()} now={now} />
          </Stack>
        ),
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
      column.accessor('assignedToName', {
        header: () => t('assign.label'),
        cell: (c) => (
          <Text span size="sm" lineClamp={1} style={{ overflowWrap: 'anywhere' }}>
            {c.getValue() ?? '—'}
          </Text>
        ),
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
    [t, language, now, names, bulk, notices, selected, toggle],
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
      else if (e.key === 'x' && bulk && rows[active]) toggle(rows[active].id);
      else if (e.key === 'Enter' && rows[active] && !target.closest('button, a'))
        navigate(`/notices/${rows[active].id}`);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, active, navigate, bulk, toggle]);

  useEffect(() => {
    document.querySelector(`[data-row="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const filtered = Boolean(
    filters.status ||
    filters.category ||
    filters.customer ||
    filters.q ||
    filters.customerReplied ||
    filters.overdue ||
    filters.assignee,
  );
  const searchHint = search.trim() && search.trim().length < SEARCH_MIN ? t('search.tooShort') : undefined;

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
        <Group gap="xs">
          <Badge
            variant="dot"
            color={live ? 'green.8' : 'gray'}
            tt="none"
            title={live ? undefined : t('queue.offline')}
            data-testid="live"
            data-live={live}
          >
            {live ? t('queue.live') : t('queue.offline')}
          </Badge>
          <Text size="sm" c="gray.7" aria-live="polite" data-testid="queue-count">
            {queue.data && !stale
              ? t(queue.data.more ? 'queue.count.more' : 'queue.count', { count: notices.length })
              : ''}
            {queue.isFetching && queue.data ? `${stale ? '' : ' · '}${t('queue.updating')}` : ''}
          </Text>
        </Group>
      </Group>
      <TextInput
        type="search"
        label={t('search.label')}
        placeholder={t('search.placeholder')}
        value={search}
        error={searchHint}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={640}
        data-testid="queue-search"
      />
      <Group gap="xs" wrap="wrap">
        <Chip
          checked={filters.assignee === 'me'}
          onChange={(on) => setFilter('assignee', on ? 'me' : null)}
          data-testid="filter-mine"
        >
          {t('filter.mine')}
        </Chip>
        <Chip checked={filters.overdue === true} onChange={(on) => setFilter('overdue', on ? 'true' : null)}>
          {t('filter.overdue')}
        </Chip>
        <Chip
          checked={filters.customerReplied === true}
          onChange={(on) => setFilter('customerReplied', on ? 'true' : null)}
        >
          {t('filter.customerReplied')}
        </Chip>
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
        {/* Only for whom the API lists customers (a reporter's token does not). */}
        {pickCustomers && (
          <CustomerPicker value={filters.customer ?? null} onChange={(id) => setFilter('customer', id)} />
        )}
        {filtered && (
          <Button
            variant="subtle"
            mt={{ base: 0, xs: 25 }}
            onClick={() => {
              setSearch('');
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            {t('queue.clear')}
          </Button>
        )}
      </Group>
      {bulk && <BulkBar selected={selected} notices={notices} onClear={() => setSelected([])} />}
      {queue.error && <ErrorAlert error={queue.error} />}
      {queue.isPending && <Loading />}
      {queue.data && !stale && notices.length === 0 && (
        <Text py="xl" ta="center" c="gray.8" data-testid="queue-empty">
          {filtered ? t('queue.emptyFiltered') : t('queue.empty')}
        </Text>
      )}
      {notices.length > 0 && (
        <>
          <Text size="xs" c="gray.7" visibleFrom="sm">
            {bulk ? t('queue.keysBulk') : t('queue.keys')}
          </Text>
          {narrow ? (
            <Stack gap="xs" data-testid="queue-list" aria-busy={stale} style={stale ? STALE : undefined}>
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
                      <Group gap="xs" wrap="wrap">
                        {bulk && (
                          <Checkbox
                            aria-label={t('queue.selectRow', { ref: n.sourceReference })}
                            checked={selected.includes(n.id)}
                            onChange={() => toggle(n.id)}
                            data-testid="select-notice"
                          />
                        )}
                        <TimeLeft deadline={n.deadline} now={now} />
                        <BreachForecast forecast={n.forecast} deadline={n.deadline} now={now} />
                      </Group>
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
                    {n.assignedToName && (
                      <Text size="xs" c="gray.7" mt={4}>
                        {t('queue.assignee', { name: n.assignedToName })}
                      </Text>
                    )}
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
            <Table
              highlightOnHover
              verticalSpacing="xs"
              data-testid="queue-table"
              aria-busy={stale}
              style={stale ? STALE : undefined}
            >
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
                    data-selected={selected.includes(row.id)}
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
