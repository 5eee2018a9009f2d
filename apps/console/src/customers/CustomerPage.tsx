import { Anchor, Badge, Card, Flex, Group, List, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { Suspense, type ReactNode } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import type { NoticeSummary, Schemas } from '../api/client';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n, type MessageKey } from '../i18n';
import { categoryLabel, stateLabel } from '../labels';
import { Day, Time, TimeLeft, useNow } from '../time';
import { CustomerStatusBadge, StandingBadge } from './labels';
import { useCustomer, useCustomerNotices, useMeasures, useStanding } from './queries';
import { lazyPage } from '../new-build';

// The chart library is the largest part of this page: it is fetched only when a standing has events to draw.
const StandingChart = lazyPage(() => import('./StandingChart'));

const COUNT_NAMES = [
  'missedDeadlines',
  'missedCsamDeadlines',
  'ignored',
  'falseClaims',
  'contentBack',
] as const;

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}

type Prefix = Schemas['PrefixAssignmentView'];

function PrefixBadge({ current }: { current: boolean }) {
  const { t } = useI18n();
  return (
    <Badge
      tt="none"
      size="sm"
      variant={current ? 'filled' : 'light'}
      color={current ? '#1b6b30' : 'gray'}
      styles={{ label: { overflow: 'visible' } }}
    >
      {current ? t('customer.prefixes.current') : t('customer.prefixes.past')}
    </Badge>
  );
}

/**
 * The prefixes the customer holds and held: a table where it fits; below 36em (a phone) one prefix a row with its
 * period under it, since three columns of a CIDR, a badge and two dates do not fit a card that narrow.
 */
function PrefixHistory({ prefixes }: { prefixes: Prefix[] }) {
  const { t } = useI18n();
  const narrow = useMediaQuery('(max-width: 36em)') ?? false;
  if (narrow) {
    return (
      <Stack gap="xs" data-testid="prefix-list">
        {prefixes.map((p) => (
          <div key={p.id} data-prefix={p.cidr} data-current={p.current}>
            <Group gap="xs" wrap="wrap">
              <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                {p.cidr}
              </Text>
              <PrefixBadge current={p.current} />
            </Group>
            <Text size="xs" c="gray.7">
              {t('customer.prefixes.from')} <Day iso={p.validFrom} /> ·{' '}
              {p.validTo ? (
                <>
                  {t('customer.prefixes.to')} <Day iso={p.validTo} />
                </>
              ) : (
                t('customer.prefixes.now')
              )}
            </Text>
          </div>
        ))}
      </Stack>
    );
  }
  return (
    <Table.ScrollContainer minWidth={340}>
      <Table verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('customer.prefixes')}</Table.Th>
            <Table.Th scope="col">{t('customer.prefixes.from')}</Table.Th>
            <Table.Th scope="col">{t('customer.prefixes.to')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {prefixes.map((p) => (
            <Table.Tr key={p.id} data-prefix={p.cidr} data-current={p.current}>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Text size="sm" ff="monospace">
                    {p.cidr}
                  </Text>
                  <PrefixBadge current={p.current} />
                </Group>
              </Table.Td>
              <Table.Td>
                <Day iso={p.validFrom} />
              </Table.Td>
              <Table.Td>{p.validTo ? <Day iso={p.validTo} /> : t('customer.prefixes.now')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap={6} wrap="nowrap" align="baseline">
      <Text size="sm" c="gray.7" style={{ flexShrink: 0 }}>
        {label}:
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </Group>
  );
}

function NoticeList({ notices, empty, testId }: { notices: NoticeSummary[]; empty: string; testId: string }) {
  const { t, language } = useI18n();
  const now = useNow();
  if (notices.length === 0) {
    return (
      <Text size="sm" c="gray.7" data-testid={`${testId}-empty`}>
        {empty}
      </Text>
    );
  }
  return (
    <Stack gap={6} data-testid={testId}>
      {notices.map((n) => (
        <Group key={n.id} gap="xs" wrap="wrap" data-notice={n.id}>
          <Anchor component={RouterLink} to={`/notices/${n.id}`} size="sm" fw={600}>
            {categoryLabel(n.category, language)}
          </Anchor>
          <Badge tt="none" variant="light" color="gray" styles={{ label: { overflow: 'visible' } }}>
            {stateLabel(n.state, language)}
          </Badge>
          {n.state === 'closed' ? (
            <Text size="xs" c="gray.7">
              {t('notice.received')}: <Time iso={n.receivedAt} />
            </Text>
          ) : (
            <TimeLeft deadline={n.deadline} now={now} />
          )}
        </Group>
      ))}
    </Stack>
  );
}

function StandingSection({ id }: { id: string }) {
  const { t } = useI18n();
  const standing = useStanding(id);
  if (standing.error) return <ErrorAlert error={standing.error} />;
  if (!standing.data) return <Loading />;
  if (standing.data === 'hidden') {
    return (
      <Text size="sm" c="gray.7">
        {t('customer.standing.hidden')}
      </Text>
    );
  }
  const s = standing.data;
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <StandingBadge level={s.level} />
        {s.levelSince && (
          <Text size="sm" c="gray.7">
            {t('customer.standing.since')} <Time iso={s.levelSince} />
          </Text>
        )}
        {s.policy && (
          <Text size="sm" c="gray.7">
            · {s.policy}
          </Text>
        )}
      </Group>
      <div>
        <Text size="sm" fw={600}>
          {t('customer.standing.window')}
        </Text>
        <Flex wrap="wrap" columnGap="md" rowGap={2} data-testid="standing-counts">
          {COUNT_NAMES.map((name) => (
            <Text size="sm" key={name} data-count={name}>
              {t(`standing.count.${name}` as MessageKey)}: <b>{s.counts[name]}</b>
            </Text>
          ))}
        </Flex>
      </div>
      {s.events.length === 0 ? (
        <Text size="sm" c="gray.7">
          {t('customer.standing.noEvents')}
        </Text>
      ) : (
        <Suspense fallback={<Loading />}>
          <StandingChart events={s.events} />
        </Suspense>
      )}
    </Stack>
  );
}

function MeasuresSection({ id, fallback }: { id: string; fallback: Schemas['PreventiveMeasureView'][] }) {
  const { t } = useI18n();
  const measures = useMeasures(id);
  if (measures.error) return <ErrorAlert error={measures.error} />;
  if (!measures.data) return <Loading />;
  // A role that may not read the evidence still sees what the customer record lists.
  const items =
    measures.data === 'hidden'
      ? fallback.map((m) => ({
          kind: m.kind,
          status: m.verifiedAt ? ('verified' as const) : ('declared' as const),
          at: m.verifiedAt ?? m.declaredAt,
          note: null,
        }))
      : measures.data.map((m) => ({
          kind: m.kind,
          status: m.status,
          at: m.rejectedAt ?? m.verifiedAt ?? m.declaredAt,
          note: m.rejectionReason ?? m.evidence,
        }));
  if (items.length === 0) {
    return (
      <Text size="sm" c="gray.7">
        {t('customer.measures.none')}
      </Text>
    );
  }
  return (
    <Stack gap={6} data-testid="measures">
      {items.map((m) => (
        <div key={m.kind} data-measure={m.kind}>
          <Group gap="xs" wrap="wrap">
            <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
              {m.kind.replace(/_/g, ' ')}
            </Text>
            <Badge
              tt="none"
              variant={m.status === 'verified' ? 'filled' : 'light'}
              color={m.status === 'verified' ? '#1b6b30' : m.status === 'rejected' ? '#8f1010' : 'gray'}
              styles={{ label: { overflow: 'visible' } }}
            >
              {t(`customer.measures.${m.status}` as MessageKey)}
            </Badge>
            <Text size="xs" c="gray.7">
              <Time iso={m.at} />
            </Text>
          </Group>
          {m.note && (
            <Text size="xs" c="gray.7" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
              {m.note}
            </Text>
          )}
        </div>
      ))}
    </Stack>
  );
}

/** One customer at a glance: who it is, what it holds (and held), its standing and its notices. */
export default function CustomerPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const customer = useCustomer(id);
  const notices = useCustomerNotices(id);
  if (customer.error) return <ErrorAlert error={customer.error} />;
  if (!customer.data) return <Loading />;
  const c = customer.data;
  return (
    <Stack gap="md">
      <Anchor component={RouterLink} to="/customers" size="sm">
        {t('customer.back')}
      </Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
        <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }} data-testid="customer-name">
          {c.name}
        </Title>
        <CustomerStatusBadge status={c.status} />
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t('customer.facts')}>
          <Stack gap={4}>
            <Fact label={t('customer.reference')}>{c.reference}</Fact>
            <Fact label={t('customers.col.contract')}>
              {t(`customer.contract.${c.contractType}` as MessageKey)}
            </Fact>
            {c.contract && <Fact label={t('customer.policy')}>{c.contract.policyProfile}</Fact>}
            <Fact label={t('customer.language')}>{c.language.toUpperCase()}</Fact>
            <Fact label={t('customer.timeZone')}>{c.timeZone}</Fact>
            <Fact label={t('customer.manager')}>
              {c.accountManager.name ?? c.accountManager.email ?? t('customer.manager.none')}
            </Fact>
            {c.parentId && (
              <Fact label={t('customer.parent')}>
                <Anchor component={RouterLink} to={`/customers/${c.parentId}`} size="sm">
                  {c.parentId.slice(0, 8)}
                </Anchor>
              </Fact>
            )}
            <Fact label={t('customer.openNotices')}>{c.openNotices}</Fact>
          </Stack>
        </Section>
        <Section title={t('customer.standing')} testId="standing">
          <StandingSection id={id} />
        </Section>
        <Section title={t('customer.contacts')} testId="contacts">
          {c.abuseContacts.length === 0 ? (
            <Text size="sm" c="#8f1010">
              {t('customer.contacts.none')}
            </Text>
          ) : (
            <List size="sm" spacing={2}>
              {c.abuseContacts.map((a) => (
                <List.Item key={a.email} style={{ overflowWrap: 'anywhere' }}>
                  {a.email} (
                  {a.aroundTheClock ? t('customer.contacts.allHours') : t('customer.contacts.officeHours')})
                </List.Item>
              ))}
            </List>
          )}
        </Section>
        <Section title={t('customer.measures')}>
          <MeasuresSection id={id} fallback={c.preventiveMeasures} />
        </Section>
      </SimpleGrid>
      <Section title={t('customer.prefixes')} testId="prefixes">
        {c.prefixes.length === 0 ? (
          <Text size="sm" c="gray.7">
            {t('customer.prefixes.none')}
          </Text>
        ) : (
          <PrefixHistory prefixes={c.prefixes} />
        )}
      </Section>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t('customer.notices.open')}>
          {notices.error && <ErrorAlert error={notices.error} />}
          {notices.data ? (
            <NoticeList
              notices={notices.data.open}
              empty={t('customer.notices.openNone')}
              testId="open-notices"
            />
          ) : (
            !notices.error && <Loading />
          )}
        </Section>
        <Section title={t('customer.notices.past')}>
          {notices.data ? (
            <NoticeList
              notices={notices.data.past}
              empty={t('customer.notices.pastNone')}
              testId="past-notices"
            />
          ) : (
            !notices.error && <Loading />
          )}
        </Section>
      </SimpleGrid>
    </Stack>
  );
}
