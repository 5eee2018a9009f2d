import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { api, ApiError, unwrap, type Notice } from '../api/client';
import { useIntentKey } from '../api/intent-key';
import { AssignControl } from '../components/Assign';
import { ErrorAlert, Loading } from '../components/Feedback';
import { ReportedUrls } from '../components/ReportedUrls';
import { useI18n } from '../i18n';
import { categoryLabel, eventLabel, outcomeLabel, stateLabel } from '../labels';
import { allowedActions, IRREVERSIBLE, NEEDS_REASON, type ActionName } from '../notice-actions';
import { useLiveEvents } from '../live';
import { useMe } from '../me';
import { QUEUE_REFRESH_MS } from '../queue-data';
import { BreachForecast, Time, TimeLeft, useNow } from '../time';

function Attribution({ customerId }: { customerId: string }) {
  const customer = useQuery({
    queryKey: ['customer', customerId],
    staleTime: 5 * 60_000,
    queryFn: async () =>
      unwrap(await api.GET('/v1/customers/{id}', { params: { path: { id: customerId } } })),
  });
  const parentId = customer.data?.parentId ?? null;
  const parent = useQuery({
    queryKey: ['customer', parentId],
    enabled: parentId !== null,
    staleTime: 5 * 60_000,
    queryFn: async () =>
      unwrap(await api.GET('/v1/customers/{id}', { params: { path: { id: parentId as string } } })),
  });
  if (!customer.data) return <Text size="sm">{customerId}</Text>;
  return (
    <Stack gap={2}>
      {parent.data && (
        <Text size="sm" c="gray.7" style={{ overflowWrap: 'anywhere' }}>
          {parent.data.name} ({parent.data.reference}) →
        </Text>
      )}
      <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
        {customer.data.name} ({customer.data.reference})
      </Text>
    </Stack>
  );
}

function Actions({ notice }: { notice: Notice }) {
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [asking, setAsking] = useState<ActionName | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const intent = useIntentKey();
  const act = useMutation({
    mutationFn: async (action: ActionName) => {
      const body = NEEDS_REASON.has(action) ? { reason: reason.trim() } : {};
      const key = intent.for(JSON.stringify([notice.id, action, body]));
      return unwrap(
        await api.POST('/v1/notices/{id}/actions/{action}', {
          params: { path: { id: notice.id, action }, header: { 'Idempotency-Key': key } },
          body,
        }),
      );
    },
    onSettled: (_data, error) => intent.settled(error ?? undefined),
    onSuccess: (updated) => {
      queryClient.setQueryData(['notice', notice.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
      setReason('');
      setResult({ ok: true, text: t('notice.done', { state: stateLabel(updated.state, language) }) });
    },
    onError: (error) => {
      setResult({
        ok: false,
        text: t('notice.refused', { message: error instanceof ApiError ? error.message : String(error) }),
      });
      void queryClient.invalidateQueries({ queryKey: ['notice', notice.id] });
    },
  });
  const actions = allowedActions(notice);
  const run = (action: ActionName) => {
    setResult(null);
    if (NEEDS_REASON.has(action) && !reason.trim()) {
      setResult({ ok: false, text: t('notice.reasonNeeded') });
      return;
    }
    if (IRREVERSIBLE.has(action)) setAsking(action);
    else act.mutate(action);
  };
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('notice.actions')}
        </Title>
        {actions.length === 0 ? (
          <Text size="sm">{t('notice.actions.none')}</Text>
        ) : (
          <>
            {actions.some((a) => NEEDS_REASON.has(a)) && (
              <Textarea
                label={t('notice.reason')}
                autosize
                minRows={2}
                maxLength={5000}
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
              />
            )}
            <Group gap="xs">
              {actions.map((action) => (
                <Button
                  key={action}
                  variant={action === 'confirm-removal' ? 'filled' : 'default'}
                  color={IRREVERSIBLE.has(action) ? 'red.8' : undefined}
                  loading={act.isPending && act.variables === action}
                  onClick={() => run(action)}
                  data-action={action}
                >
                  {t(`action.${action}`)}
                </Button>
              ))}
            </Group>
          </>
        )}
        {result && (
          <Alert
            color={result.ok ? 'green' : 'red'}
            role={result.ok ? 'status' : 'alert'}
            data-testid="action-result"
          >
            {result.text}
          </Alert>
        )}
      </Stack>
      <Modal
        opened={asking !== null}
        onClose={() => setAsking(null)}
        title={asking ? t(`action.${asking}`) : ''}
      >
        <Stack>
          <Text>{t('notice.confirm')}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(null)}>
              {t('notice.cancel')}
            </Button>
            <Button
              color="red.8"
              data-testid="confirm-action"
              onClick={() => {
                if (asking) act.mutate(asking);
                setAsking(null);
              }}
            >
              {asking ? t(`action.${asking}`) : ''}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

export default function NoticePage() {
  const { id = '' } = useParams();
  const { t, language } = useI18n();
  const now = useNow();
  const me = useMe().data;
  const actsOnNotices = me?.actsOnNotices ?? false;
  useLiveEvents();
  // Wrapped under the title on a narrow screen, the clock lines up with it.
  const narrow = useMediaQuery('(max-width: 48em)') ?? false;
  const notice = useQuery({
    queryKey: ['notice', id],
    refetchInterval: QUEUE_REFRESH_MS,
    placeholderData: undefined,
    queryFn: async () => unwrap(await api.GET('/v1/notices/{id}', { params: { path: { id } } })),
  });
  if (notice.error) {
    const missing =
      notice.error instanceof ApiError && (notice.error.status === 404 || notice.error.status === 400);
    return (
      <Stack>
        <Anchor component={RouterLink} to="/">
          ← {t('notice.back')}
        </Anchor>
        {missing ? <Alert color="orange">{t('notice.notFound')}</Alert> : <ErrorAlert error={notice.error} />}
      </Stack>
    );
  }
  if (!notice.data) return <Loading />;
  const n = notice.data;
  return (
    <Stack gap="md">
      <Anchor component={RouterLink} to="/" size="sm">
        ← {t('notice.back')}
      </Anchor>
      <Card withBorder>
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <Stack gap={4}>
            <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
              {categoryLabel(n.category, language)} · {n.sourceReference}
            </Title>
            <Group gap="xs">
              <Badge size="lg" tt="none" color="indigo.8" data-testid="notice-state">
                {stateLabel(n.state, language)}
              </Badge>
              {n.outcome && (
                <Badge size="lg" tt="none" variant="light" color="gray">
                  {t('notice.outcome')}: {outcomeLabel(n.outcome, language)}
                </Badge>
              )}
            </Group>
          </Stack>
          <Stack gap={2} align={narrow ? 'flex-start' : 'flex-end'}>
            {n.state !== 'closed' && <TimeLeft deadline={n.deadline} now={now} />}
            <BreachForecast forecast={n.forecast} deadline={n.deadline} now={now} />
            {n.deadline && (
              <Text size="xs" c="gray.7">
                {t('notice.deadline')}: <Time iso={n.deadline} />
              </Text>
            )}
            <Text size="xs" c="gray.7">
              {t('notice.received')}: <Time iso={n.receivedAt} />
            </Text>
            {n.closedAt && (
              <Text size="xs" c="gray.7">
                {t('notice.closed')}: <Time iso={n.closedAt} />
              </Text>
            )}
          </Stack>
        </Group>
      </Card>
      {actsOnNotices && <Actions notice={n} />}
      {actsOnNotices ? (
        <Card withBorder>
          <AssignControl kind="notice" id={n.id} assignedTo={n.assignedTo} />
        </Card>
      ) : (
        n.assignedToName && (
          <Text size="sm" data-testid="notice-assignee">
            {t('queue.assignee', { name: n.assignedToName })}
          </Text>
        )
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Stack gap="xs">
            <Title order={2} size="h4">
              {t('notice.reported')}
            </Title>
            <Text size="sm" fw={600}>
              {t('notice.urls')}
            </Text>
            <ReportedUrls noticeId={n.id} category={n.category} urls={n.urls} me={me} />
            {n.ip && (
              <Text size="sm">
                {t('notice.ip')}: <Code>{n.ip}</Code>
              </Text>
            )}
            <Text size="sm" fw={600} mt="xs">
              {t('notice.reports')}
            </Text>
            <List size="sm" spacing={4}>
              {n.reports.map((r, i) => (
                <List.Item key={i}>
                  <Text span size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {r.name} ({r.kind}) · {r.sourceReference} · <Time iso={r.receivedAt} />
                  </Text>
                </List.Item>
              ))}
            </List>
          </Stack>
        </Card>
        <Card withBorder>
          <Stack gap="xs">
            <Title order={2} size="h4">
              {t('notice.attribution')}
            </Title>
            {n.customerId ? (
              <Attribution customerId={n.customerId} />
            ) : (
              <Text size="sm">{t('notice.attribution.none')}</Text>
            )}
            {n.policy && (
              <Text size="sm" c="gray.7">
                {t('notice.policy')}: {n.policy}
              </Text>
            )}
            <Title order={2} size="h4" mt="sm">
              {t('notice.tasks')}
            </Title>
            {n.pendingTasks.length === 0 ? (
              <Text size="sm">{t('notice.tasks.none')}</Text>
            ) : (
              <List size="sm" spacing={4}>
                {n.pendingTasks.map((task) => (
                  <List.Item key={task.id}>
                    <Text span size="sm">
                      {task.summary} · {task.assignee} · <Time iso={task.dueAt} />
                    </Text>
                  </List.Item>
                ))}
              </List>
            )}
          </Stack>
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('notice.timeline')}
        </Title>
        <Timeline bulletSize={14} lineWidth={2} active={n.timeline.length}>
          {n.timeline.map((event, i) => (
            <Timeline.Item key={i} title={eventLabel(event.type, language)}>
              <Text size="xs" c="gray.7">
                <Time iso={event.occurredAt} /> · {event.actor}
              </Text>
              {event.reason && (
                <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {event.reason}
                </Text>
              )}
            </Timeline.Item>
          ))}
        </Timeline>
      </Card>
    </Stack>
  );
}
