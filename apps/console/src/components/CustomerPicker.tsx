import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { useI18n } from '../i18n';

/** A customer picked by typing part of its name or reference; the value is its id (null: any customer). */
export function CustomerPicker({
  value,
  onChange,
}: {
  value: string | null;
  onChange(id: string | null): void;
}) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const label = (c: { name: string; reference: string }) => `${c.name} (${c.reference})`;
  const picked = useQuery({
    queryKey: ['customer', value],
    enabled: value !== null,
    staleTime: 5 * 60_000,
    queryFn: async () =>
      unwrap(await api.GET('/v1/customers/{id}', { params: { path: { id: value as string } } })),
  });
  const pickedLabel = value && picked.data ? label(picked.data) : null;
  // The picked customer's name in the box is not a search.
  const [q] = useDebouncedValue(search === pickedLabel ? '' : search.trim(), 250);
  const found = useQuery({
    queryKey: ['customers', q, 20],
    queryFn: async () =>
      unwrap(await api.GET('/v1/customers', { params: { query: { q: q || undefined, limit: 20 } } })),
  });
  const options = (found.data?.items ?? []).map((c) => ({ value: c.id, label: label(c) }));
  // The picked customer stays an option while another search runs, so its name stays in the box.
  if (value && !options.some((o) => o.value === value)) {
    options.unshift({ value, label: picked.data ? label(picked.data) : value.slice(0, 8) });
  }
  return (
    <Select
      label={t('filter.customerPick')}
      placeholder={t('filter.customerSearch')}
      searchable
      clearable
      filter={({ options: all }) => all}
      nothingFoundMessage={found.data ? t('filter.customerNone') : t('loading')}
      onSearchChange={setSearch}
      value={value}
      onChange={onChange}
      data={options}
      w={{ base: '100%', xs: 330 }}
      data-testid="customer-picker"
    />
  );
}
