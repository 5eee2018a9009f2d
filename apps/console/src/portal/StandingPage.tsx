import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState, type FormEvent } from 'react';
import type { CustomerMeasure, CustomerStanding } from './api';
import { PortalError, PortalLoading } from './feedback';
import { usePortalI18n, type PortalKey, type PortalTranslate } from './i18n';
import { useDeclareMeasure, useMeasures, useStanding } from './queries';
import { PortalTime } from './time';

type CountName = keyof CustomerStanding['counts'];
const COUNTS: CountName[] = [
  'missedDeadlines',
  'missedCsamDeadlines',
  'ignored',
  'falseClaims',
  'contentBack',
];
const KIND = /^[a-z][a-z0-9_]{1,63}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The rolling window ("P90D") in words; another ISO duration is shown as it is. */
function windowWords(window: string, t: PortalTranslate): string {
  const days = /^P(\d+)D$/.exec(window);
  return days ? t('window.days', { n: days[1] }) : window;
}

/**
 * What moves the standing back, in the customer's language, from the same figures the API's `movesBack`
 * sentences are made of (level, counts, the level's thresholds, verified measures).
 */
function movesBack(s: CustomerStanding, t: PortalTranslate): string[] {
  if (s.level === 'good') return [t('standing.good')];
  if (s.level === 'termination_case') return [t('standing.case')];
  const level = t(`level.${s.level}` as PortalKey);
  const thresholds: Partial<Record<CountName, number>> =
    s.thresholds.find((x) => x.level === s.level)?.counts ?? {};
  const holding = COUNTS.filter(
    (c) => thresholds[c] !== undefined && s.counts[c] >= (thresholds[c] as number),
  ).map((c) =>
    t('standing.holding', { count: t(`count.${c}`), n: s.counts[c], from: thresholds[c] as number }),
  );
  const sentences = [t('standing.fall', { window: windowWords(s.window, t), level }), ...holding];
  if (s.verifiedMeasures.length === 0 && s.level !== 'final_warning') sentences.push(t('standing.measure'));
  return sentences;
}

// Dark enough for white text at 4.5:1 (WCAG AA; axe checks it).
const LEVEL_COLOR: Record<CustomerStanding['level'], string> = {
  good: '#1b6b30',
  watch: '#6b5300',
  warning: '#a63c00',
  final_warning: '#8f1010',
  termination_case: '#8f1010',
};

function Standing({ standing }: { standing: CustomerStanding }) {
  const { t } = usePortalI18n();
  // The table needs about 520 px: on a phone each count is a block of its own instead of a table to scroll sideways.
  const narrow = useMediaQuery('(max-width: 40em)') ?? false;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="standing-title">
      <Stack gap="sm">
        <Title order={1} size="h2" id="standing-title">
          {t('standing.title')}
        </Title>
        <Group gap="xs" wrap="wrap">
          <Text fw={600}>{t('standing.level')}:</Text>
          <Badge
            size="lg"
            tt="none"
            variant="filled"
            color={LEVEL_COLOR[standing.level]}
            data-testid="standing-level"
          >
            {t(`level.${standing.level}`)}
          </Badge>
          {standing.levelSince && (
            <Text size="sm" c="gray.7">
              {`${t('standing.since')} `}
              <PortalTime iso={standing.levelSince} />
            </Text>
          )}
        </Group>
        <Text size="sm">{t('standing.window', { window: windowWords(standing.window, t) })}</Text>
        {narrow ? (
          <Stack gap="xs" data-testid="standing-counts">
            {COUNTS.map((c) => (
              <Paper key={c} withBorder p="xs" data-count={c}>
                <Group justify="space-between" wrap="nowrap" gap="xs" align="baseline">
                  <Text size="sm">{t(`count.${c}`)}</Text>
                  <Text size="sm" fw={700} style={{ whiteSpace: 'nowrap' }}>
                    {`${t('standing.now')}: ${standing.counts[c]}`}
                  </Text>
                </Group>
                {standing.thresholds.map((th) => (
                  <Text key={th.level} size="xs" c="gray.7">
                    {`${t('standing.from', { level: t(`level.${th.level}`) })}: ${th.counts[c] ?? '–'}`}
                  </Text>
                ))}
              </Paper>
            ))}
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={520}>
            <Table striped withTableBorder data-testid="standing-counts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('standing.count')}</Table.Th>
                  <Table.Th>{t('standing.now')}</Table.Th>
                  {standing.thresholds.map((th) => (
                    <Table.Th key={th.level}>
                      {t('standing.from', { level: t(`level.${th.level}`) })}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {COUNTS.map((c) => (
                  <Table.Tr key={c} data-count={c}>
                    <Table.Td>{t(`count.${c}`)}</Table.Td>
                    <Table.Td fw={700}>{standing.counts[c]}</Table.Td>
                    {standing.thresholds.map((th) => (
                      <Table.Td key={th.level}>{th.counts[c] ?? '–'}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <Title order={2} size="h4">
          {t('standing.movesBack')}
        </Title>
        <List size="sm" spacing={4} data-testid="moves-back">
          {movesBack(standing, t).map((s) => (
            <List.Item key={s}>{s}</List.Item>
          ))}
        </List>
      </Stack>
    </Paper>
  );
}

function Measure({ measure }: { measure: CustomerMeasure }) {
  const { t } = usePortalI18n();
  return (
    <Paper withBorder p="sm" component="article" data-measure={measure.kind}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap">
          <Text fw={700} ff="monospace" style={{ overflowWrap: 'anywhere' }}>
            {measure.kind}
          </Text>
          <Badge
            tt="none"
            variant="filled"
            color={
              measure.status === 'verified' ? '#1b6b30' : measure.status === 'rejected' ? '#8f1010' : 'gray.8'
            }
            data-testid="measure-status"
          >
            {t(`status.${measure.status}`)}
          </Badge>
        </Group>
        {measure.evidenceDate && <Text size="sm">{t('measures.since', { date: measure.evidenceDate })}</Text>}
        {measure.evidence && (
          <Text size="sm" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
            <Text span fw={600}>
              {t('measures.evidence')}:
            </Text>{' '}
            {measure.evidence}
          </Text>
        )}
        {measure.status === 'rejected' && measure.rejectionReason && (
          <Text size="sm" c="red.9">
            {t('measures.rejected', { reason: measure.rejectionReason })}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function DeclareMeasure() {
  const { t } = usePortalI18n();
  const declare = useDeclareMeasure();
  const [kind, setKind] = useState('');
  const [evidence, setEvidence] = useState('');
  const [date, setDate] = useState('');
  const [errors, setErrors] = useState<Partial<Record<'kind' | 'evidence' | 'date', string>>>({});
  const [done, setDone] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = {
      ...(KIND.test(kind.trim()) ? {} : { kind: t('measures.kindInvalid') }),
      ...(evidence.trim() ? {} : { evidence: t('measures.evidenceNeeded') }),
      ...(DATE.test(date) ? {} : { date: t('measures.dateNeeded') }),
    };
    setErrors(found);
    setDone(null);
    if (Object.keys(found).length > 0) return;
    declare.mutate(
      { kind: kind.trim(), evidence: evidence.trim(), date },
      {
        onSuccess: (m) => {
          setDone(m.kind);
          setKind('');
          setEvidence('');
          setDate('');
        },
      },
    );
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} noValidate aria-labelledby="declare-title">
      <Stack gap="sm">
        <Title order={3} size="h5" id="declare-title">
          {t('measures.declare')}
        </Title>
        <TextInput
          label={t('measures.kind')}
          placeholder="hash_check_uploads"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value)}
          error={errors.kind}
        />
        <Textarea
          label={t('measures.evidenceLabel')}
          autosize
          minRows={2}
          maxLength={5000}
          value={evidence}
          onChange={(e) => setEvidence(e.currentTarget.value)}
          error={errors.evidence}
        />
        <TextInput
          type="date"
          label={t('measures.date')}
          value={date}
          onChange={(e) => setDate(e.currentTarget.value)}
          error={errors.date}
          maw={220}
        />
        {declare.error && <PortalError error={declare.error} />}
        {done && (
          <Alert color="green" role="status" data-testid="measure-declared">
            {t('measures.declared', { kind: done })}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={declare.isPending}>
            {t('measures.submit')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export default function StandingPage() {
  const { t } = usePortalI18n();
  const standing = useStanding();
  const measures = useMeasures();
  if (standing.error && !standing.data) return <PortalError error={standing.error} />;
  if (!standing.data) return <PortalLoading />;
  return (
    <Stack>
      <Standing standing={standing.data} />
      <Stack gap="sm" component="section" aria-labelledby="measures-title">
        <Title order={2} size="h3" id="measures-title">
          {t('measures.title')}
        </Title>
        <Text size="sm">{t('measures.intro')}</Text>
        {measures.error && !measures.data && <PortalError error={measures.error} />}
        {measures.data && measures.data.length === 0 && (
          <Text size="sm" c="gray.7">
            {t('measures.empty')}
          </Text>
        )}
        {measures.data?.map((m) => (
          <Measure key={m.kind} measure={m} />
        ))}
        <DeclareMeasure />
      </Stack>
    </Stack>
  );
}
