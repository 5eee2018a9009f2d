import {
  Anchor,
  Button,
  Card,
  Code,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { api, type Schemas, unwrap } from '../api/client';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n } from '../i18n';
import { Time } from '../time';

const PAGE = 50;
const FILTERS = ['action', 'target', 'actor'] as const;
type Filter = (typeof FILTERS)[number];
type Entry = Schemas['AuditEntryView'];

/** A target as a link where the console has a page for it. */
function Target({ target }: { target: Entry['target'] }) {
  if (!target)
    return (
      <Text span size="sm" c="gray.7">
        —
      </Text>
    );
  const page =
    target.type === 'notice'
      ? `/notices/${target.id}`
      : target.type === 'customer'
        ? `/customers/${target.id}`
        : target.type === 'termination'
          ? `/terminations/${target.id}`
          : null;
  const text = `${target.type}:${target.id.slice(0, 8)}`;
  return page ? (
    <Anchor component={RouterLink} to={page} size="sm" title={target.id}>
      {text}
    </Anchor>
  ) : (
    <Text span size="sm" title={target.id}>
      {text}
    </Text>
  );
}

const summaryText = (summary: Entry['summary']) => {
  const text = JSON.stringify(summary);
  return text === '{}' ? '' : text;
};

/** Rows of other filters than the URL's, until the answer to these is in. */
const STALE = { opacity: 0.45, transition: 'opacity 150ms' };

/**
 * The audit trail for legal and admins (GET /v1/audit): every write and every audited read (a report handed out,
 * a URL revealed), newest first, filtered by action, target or actor; the filters live in the URL.
 */
export default function AuditPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const narrow = useMediaQuery('(max-width: 62em)') ?? false;
  const [inputs, setInputs] = useState<Record<Filter, string>>(
    () => Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<Filter, string>,
  );
  const [debounced] = useDebouncedValue(inputs, 400);
  const offset = Math.max(0, Number(params.get('offset')) || 0);

  useEffect(() => {
    const next = new URLSearchParams();
    for (const f of FILTERS) if (debounced[f].trim()) next.set(f, debounced[f].trim());
    if (FILTERS.every((f) => (params.get(f) ?? '') === (next.get(f) ?? ''))) return;
    setParams(next, { replace: true });
  }, [debounced, params, setParams]);

  const query = Object.fromEntries(
    FILTERS.flatMap((f) => (params.get(f) ? [[f, params.get(f)]] : [])),
  ) as Partial<Record<Filter, string>>;
  const audit = useQuery({
    queryKey: ['audit', query, offset],
    queryFn: async () =>
      unwrap(await api.GET('/v1/audit', { params: { query: { ...query, limit: PAGE, offset } } })),
  });
  const items = audit.data?.items ?? [];
  // An earlier filter's rows while the answer to this one is on its way: dimmed, busy and not counted.
  const stale = audit.isPlaceholderData;
  const page = (to: number) => {
    const next = new URLSearchParams(params);
    if (to > 0) next.set('offset', String(to));
    else next.delete('offset');
    setParams(next);
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1} size="h2">
            {t('audit.title')}
          </Title>
          <Text size="sm" c="gray.7">
            {t('audit.subtitle')}
          </Text>
        </div>
        <Text size="sm" c="gray.7" aria-live="polite" data-testid="audit-count">
          {audit.data && !stale ? t('audit.count', { count: audit.data.total }) : ''}
        </Text>
      </Group>
      <Group gap="sm" align="flex-start" wrap="wrap">
        {FILTERS.map((f) => (
          <TextInput
            key={f}
            label={t(`audit.filter.${f}`)}
            placeholder={t(`audit.filter.${f}.hint`)}
            value={inputs[f]}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setInputs((current) => ({ ...current, [f]: value }));
            }}
            error={
              audit.error && (audit.error as { field?: string }).field === f ? audit.error.message : undefined
            }
            w={{ base: '100%', xs: 260 }}
          />
        ))}
      </Group>
      {audit.error && <ErrorAlert error={audit.error} />}
      {audit.isPending && <Loading />}
      {audit.data && !stale && items.length === 0 && (
        <Text py="xl" ta="center" c="gray.8" data-testid="audit-empty">
          {t('audit.empty')}
        </Text>
      )}
      {items.length > 0 && narrow && (
        <Stack gap="xs" data-testid="audit-list" aria-busy={stale} style={stale ? STALE : undefined}>
          {items.map((e) => (
            <Card key={e.id} withBorder padding="sm" data-audit={e.id} data-action={e.action}>
              <Group justify="space-between" wrap="wrap" gap="xs">
                <Code>{e.action}</Code>
                <Text size="xs" c="gray.7">
                  <Time iso={e.at} />
                </Text>
              </Group>
              <Text size="sm" mt={4} style={{ overflowWrap: 'anywhere' }}>
                {e.actor.name} ({e.role ?? e.actor.kind}) · <Target target={e.target} />
              </Text>
              {summaryText(e.summary) && (
                <Text size="xs" c="gray.7" mt={4} lineClamp={3} style={{ overflowWrap: 'anywhere' }}>
                  {summaryText(e.summary)}
                </Text>
              )}
            </Card>
          ))}
        </Stack>
      )}
      {items.length > 0 && !narrow && (
        <Table
          verticalSpacing="xs"
          data-testid="audit-table"
          aria-busy={stale}
          style={stale ? STALE : undefined}
        >
          <VisuallyHidden component="caption">{t('audit.subtitle')}</VisuallyHidden>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('audit.col.at')}</Table.Th>
              <Table.Th scope="col">{t('audit.col.actor')}</Table.Th>
              <Table.Th scope="col">{t('audit.col.action')}</Table.Th>
              <Table.Th scope="col">{t('audit.col.target')}</Table.Th>
              <Table.Th scope="col">{t('audit.col.summary')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((e) => (
              <Table.Tr key={e.id} data-audit={e.id} data-action={e.action}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Time iso={e.at} />
                </Table.Td>
                <Table.Td maw={220} style={{ overflowWrap: 'anywhere' }}>
                  <Text size="sm">{e.actor.name}</Text>
                  <Text size="xs" c="gray.7">
                    {e.role ?? e.actor.kind}
                    {e.sourceIp ? ` · ${e.sourceIp}` : ''}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Code>{e.action}</Code>
                </Table.Td>
                <Table.Td>
                  <Target target={e.target} />
                </Table.Td>
                <Table.Td maw={320}>
                  <Text size="xs" c="gray.7" lineClamp={3} style={{ overflowWrap: 'anywhere' }}>
                    {summaryText(e.summary)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {audit.data && audit.data.total > PAGE && (
        <Group gap="xs">
          <Button variant="default" disabled={offset === 0} onClick={() => page(Math.max(0, offset - PAGE))}>
            {t('audit.newer')}
          </Button>
          <Button
            variant="default"
            disabled={offset + PAGE >= audit.data.total}
            onClick={() => page(offset + PAGE)}
          >
            {t('audit.older')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
