import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import {
  Button,
  Card,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../api/client';
import { ErrorAlert, Loading } from '../components/Feedback';
import { downloadFile } from '../download';
import { useI18n, type MessageKey } from '../i18n';
import { categoryLabel, outcomeLabel } from '../labels';
import { useParamChanges, type ParamChanges } from '../url-params';
import { duration } from '../time';

const PRESETS = ['30d', 'quarter', 'lastQuarter', 'year', 'custom'] as const;
type Preset = (typeof PRESETS)[number];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const isoDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** A preset as [first day, day after the last], in the person's local days. */
function presetDays(preset: Exclude<Preset, 'custom'>, today = new Date()): [string, string] {
  const y = today.getFullYear();
  const q = Math.floor(today.getMonth() / 3);
  const tomorrow = new Date(y, today.getMonth(), today.getDate() + 1);
  switch (preset) {
    case '30d':
      return [isoDay(new Date(y, today.getMonth(), today.getDate() - 29)), isoDay(tomorrow)];
    case 'quarter':
      return [isoDay(new Date(y, q * 3, 1)), isoDay(tomorrow)];
    case 'lastQuarter':
      return [isoDay(new Date(y, q * 3 - 3, 1)), isoDay(new Date(y, q * 3, 1))];
    case 'year':
      return [isoDay(new Date(y, 0, 1)), isoDay(tomorrow)];
  }
}

/** A local day's midnight as an instant: the API counts notices received in [from, to). */
const startOf = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toISOString();
};

function Figure({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text size="xs" c="gray.7">
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
    </Card>
  );
}

/** The DSA transparency figures (GET /v1/stats/transparency) over a period, as figures and charts, and as CSV. */
export default function TransparencyPage() {
  const { t, language } = useI18n();
  const [params] = useSearchParams();
  const preset = PRESETS.find((p) => p === params.get('period')) ?? '30d';
  const [from, to] =
    preset === 'custom' ? [params.get('from') ?? '', params.get('to') ?? ''] : presetDays(preset);
  const valid = DAY.test(from) && DAY.test(to) && from < to;
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const figures = useQuery({
    queryKey: ['transparency', from, to],
    enabled: valid,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/stats/transparency', {
          params: { query: { from: startOf(from), to: startOf(to) } },
        }),
      ),
  });
  const changeParams = useParamChanges();
  const set = (changes: ParamChanges) => changeParams(changes, { replace: true });
  const f = figures.data;
  const percent = (v: number | null | undefined) =>
    v === null || v === undefined ? '—' : `${v.toFixed(1)} %`;
  const time = (s: number | null | undefined) =>
    s === null || s === undefined ? '—' : duration(s * 1000, t);
  // The API types these maps as open objects: their values are counts.
  const byCategory = (Object.entries(f?.byCategory ?? {}) as [string, number][])
    .filter(([, n]) => n > 0)
    .map(([c, n]) => ({ name: categoryLabel(c, language), [t('stats.notices')]: n }));
  const byOutcome = (Object.entries(f?.byOutcome ?? {}) as [string, number][])
    .filter(([, n]) => n > 0)
    .map(([o, n]) => ({ name: outcomeLabel(o, language), [t('stats.notices')]: n }));

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          {t('stats.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('stats.subtitle')}
        </Text>
      </div>
      <Stack gap="xs">
        <SegmentedControl
          aria-label={t('stats.period')}
          value={preset}
          onChange={(value) =>
            set(value === 'custom' ? { period: 'custom', from, to } : { period: value, from: null, to: null })
          }
          data={PRESETS.map((p) => ({ value: p, label: t(`stats.period.${p}` as MessageKey) }))}
          style={{ alignSelf: 'flex-start', maxWidth: '100%', overflowX: 'auto' }}
          data-testid="period"
        />
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            type="date"
            label={t('stats.from')}
            value={from}
            disabled={preset !== 'custom'}
            onChange={(e) => set({ period: 'custom', from: e.currentTarget.value })}
            w={{ base: '100%', xs: 180 }}
          />
          <TextInput
            type="date"
            label={t('stats.to')}
            value={to}
            disabled={preset !== 'custom'}
            error={!valid ? t('stats.invalidPeriod') : undefined}
            onChange={(e) => set({ period: 'custom', to: e.currentTarget.value })}
            w={{ base: '100%', xs: 180 }}
          />
          <Button
            variant="default"
            disabled={!valid}
            data-testid="download-csv"
            onClick={() => {
              setDownloadError(null);
              const query = new URLSearchParams({ from: startOf(from), to: startOf(to), format: 'csv' });
              downloadFile(`/v1/stats/transparency?${query}`, `transparency-${from}-${to}.csv`).catch(
                setDownloadError,
              );
            }}
          >
            {t('stats.csv')}
          </Button>
        </Group>
        <Text size="xs" c="gray.7">
          {t('stats.periodNote')}
        </Text>
      </Stack>
      {downloadError !== null && <ErrorAlert error={downloadError} />}
      {figures.error && <ErrorAlert error={figures.error} />}
      {valid && figures.isPending && <Loading />}
      {f && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
            <Figure label={t('stats.notices')} value={f.notices} testId="figure-notices" />
            <Figure
              label={t('stats.median')}
              value={time(f.medianTimeToRemovalSeconds)}
              testId="figure-median"
            />
            <Figure label={t('stats.p90')} value={time(f.p90TimeToRemovalSeconds)} testId="figure-p90" />
            <Figure
              label={t('stats.within24h')}
              value={percent(f.percentRemovedWithin24h)}
              testId="figure-24h"
            />
            <Figure label={t('stats.suspensions')} value={f.suspensions} testId="figure-suspensions" />
            <Figure label={t('stats.terminations')} value={f.terminations} testId="figure-terminations" />
          </SimpleGrid>
          {f.notices === 0 ? (
            <Text py="lg" ta="center" c="gray.8" data-testid="stats-empty">
              {t('stats.empty')}
            </Text>
          ) : (
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
              <Card withBorder padding="md">
                <Title order={2} size="h4" mb="xs">
                  {t('stats.byCategory')}
                </Title>
                <BarChart
                  h={260}
                  data={byCategory}
                  dataKey="name"
                  orientation="vertical"
                  // Counts of notices: whole numbers on the axis, never a half step.
                  xAxisProps={{ allowDecimals: false }}
                  yAxisProps={{ width: 120 }}
                  series={[{ name: t('stats.notices'), color: 'indigo.8' }]}
                  role="img"
                  aria-label={t('stats.byCategory')}
                  data-testid="chart-category"
                />
              </Card>
              <Card withBorder padding="md">
                <Title order={2} size="h4" mb="xs">
                  {t('stats.byOutcome')}
                </Title>
                <BarChart
                  h={260}
                  data={byOutcome}
                  dataKey="name"
                  orientation="vertical"
                  // Counts of notices: whole numbers on the axis, never a half step.
                  xAxisProps={{ allowDecimals: false }}
                  yAxisProps={{ width: 140 }}
                  series={[{ name: t('stats.notices'), color: 'teal.9' }]}
                  role="img"
                  aria-label={t('stats.byOutcome')}
                  data-testid="chart-outcome"
                />
              </Card>
            </SimpleGrid>
          )}
        </>
      )}
    </Stack>
  );
}
