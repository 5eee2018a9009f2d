import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import type { Schemas } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { shortTime } from '../time';

type Counts = Schemas['StandingCountsView'];
const COUNTS: { name: keyof Counts; color: string }[] = [
  { name: 'missedDeadlines', color: '#a63c00' },
  { name: 'missedCsamDeadlines', color: '#8f1010' },
  { name: 'ignored', color: '#6b5900' },
  { name: 'falseClaims', color: '#3b4bbf' },
  { name: 'contentBack', color: '#1b6b30' },
];

/**
 * The counts in the rolling window after each standing event, oldest first, as steps: each event (and each
 * entry leaving the window) stores the counts it left, so the line is the window as it moved.
 */
export default function StandingChart({ events }: { events: Schemas['StandingEventView'][] }) {
  const { t, language } = useI18n();
  const data = [...events].reverse().flatMap((e) => {
    const counts = (e.data as { counts?: Partial<Counts> }).counts;
    if (!counts) return [];
    return [
      {
        at: shortTime(e.at, language),
        ...Object.fromEntries(
          COUNTS.map((c) => [t(`standing.count.${c.name}` as MessageKey), counts[c.name] ?? 0]),
        ),
      },
    ];
  });
  return (
    <LineChart
      h={220}
      data={data}
      dataKey="at"
      curveType="stepAfter"
      withLegend
      legendProps={{ verticalAlign: 'bottom' }}
      yAxisProps={{ allowDecimals: false }}
      series={COUNTS.map((c) => ({ name: t(`standing.count.${c.name}` as MessageKey), color: c.color }))}
      aria-label={t('customer.standing.chart')}
      role="img"
      data-testid="standing-chart"
    />
  );
}
