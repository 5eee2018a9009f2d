import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { api, ApiError, unwrap, type Task } from '../api/client';
import { ErrorAlert, Loading } from '../components/Feedback';
import { downloadFile } from '../download';
import { useI18n } from '../i18n';
import { useCustomerNames } from '../queue-data';
import { Time } from '../time';
import { CaseStatusBadge } from './TerminationsPage';

const words = (s: string) => s.replace(/_/g, ' ');

/**
 * The decision asked of legal: the case's open legal-review task, completed with one of the outcomes the API allows
 * for it (approve, reject). There is no decision to make when no such task is open, and then none is offered.
 */
function Decision({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const [asking, setAsking] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const tasks = useQuery({
    queryKey: ['tasks', 'case', caseId],
    queryFn: async () =>
      unwrap(await api.GET('/v1/tasks', { params: { query: { case: caseId, status: 'open', limit: 50 } } })),
  });
  const review: Task | undefined = tasks.data?.items.find((task) => task.kind === 'legal_review');
  const decide = useMutation({
    mutationFn: async ({ task, outcome }: { task: Task; outcome: string }) =>
      unwrap(
        await api.POST('/v1/tasks/{id}/complete', {
          params: { path: { id: task.id } },
          body: { outcome, ...(note.trim() ? { note: note.trim() } : {}) },
        }),
      ),
    onSuccess: (_, { outcome }) => {
      setResult({ ok: true, text: t('legal.decision.done', { outcome: words(outcome) }) });
      setNote('');
      void queryClient.invalidateQueries({ queryKey: ['termination', caseId] });
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
      void queryClient.invalidateQueries({ queryKey: ['terminations'] });
    },
    onError: (error) =>
      setResult({
        ok: false,
        text: t('notice.refused', { message: error instanceof ApiError ? error.message : String(error) }),
      }),
  });
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('legal.decision')}
        </Title>
        {tasks.error && <ErrorAlert error={tasks.error} />}
        {tasks.data && !review && !result && <Text size="sm">{t('legal.decision.none')}</Text>}
        {review && (
          <>
            <Text size="sm">{review.summary}</Text>
            <Textarea
              label={t('legal.decision.note')}
              autosize
              minRows={2}
              maxLength={5000}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
            <Group gap="xs">
              {review.allowedOutcomes.map((outcome) => (
                <Button
                  key={outcome}
                  variant={outcome === 'approve' ? 'filled' : 'default'}
                  loading={decide.isPending && decide.variables.outcome === outcome}
                  onClick={() => setAsking(outcome)}
                  data-outcome={outcome}
                >
                  {words(outcome)}
                </Button>
              ))}
            </Group>
          </>
        )}
        {result && (
          <Alert
            color={result.ok ? 'green' : 'red'}
            role={result.ok ? 'status' : 'alert'}
            data-testid="case-result"
          >
            {result.text}
          </Alert>
        )}
      </Stack>
      <Modal opened={asking !== null} onClose={() => setAsking(null)} title={asking ? words(asking) : ''}>
        <Stack>
          <Text>{t('legal.decision.confirm', { outcome: asking ? words(asking) : '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(null)}>
              {t('notice.cancel')}
            </Button>
            <Button
              color="red.8"
              data-testid="confirm-decision"
              onClick={() => {
                if (asking && review) decide.mutate({ task: review, outcome: asking });
                setAsking(null);
              }}
            >
              {asking ? words(asking) : ''}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

/** The case's current report snapshot, downloaded with the token (a link could not carry it). */
function Reports({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const download = useMutation({
    mutationFn: (kind: 'pdf' | 'json') =>
      downloadFile(`/v1/terminations/${caseId}/report.${kind}`, `termination-${caseId}.${kind}`),
  });
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('legal.reports')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('legal.reports.intro')}
        </Text>
        <Group gap="xs">
          <Button
            variant="default"
            loading={download.isPending && download.variables === 'pdf'}
            onClick={() => download.mutate('pdf')}
            data-testid="download-pdf"
          >
            {t('legal.download.pdf')}
          </Button>
          <Button
            variant="default"
            loading={download.isPending && download.variables === 'json'}
            onClick={() => download.mutate('json')}
            data-testid="download-json"
          >
            {t('legal.download.json')}
          </Button>
        </Group>
        {download.error && (
          <Alert color="red" role="alert">
            {t('legal.download.failed', {
              message: download.error instanceof ApiError ? download.error.message : String(download.error),
            })}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

/** One termination case: status and customer, the decision asked, the report, and the timeline as its spine. */
export default function TerminationPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const termination = useQuery({
    queryKey: ['termination', id],
    placeholderData: undefined,
    queryFn: async () => unwrap(await api.GET('/v1/terminations/{id}', { params: { path: { id } } })),
  });
  const names = useCustomerNames(termination.data ? [termination.data.customerId] : []);
  const back = (
    <Anchor component={RouterLink} to="/terminations" size="sm">
      ← {t('legal.back')}
    </Anchor>
  );
  if (termination.error) {
    const missing =
      termination.error instanceof ApiError &&
      (termination.error.status === 404 || termination.error.status === 400);
    return (
      <Stack>
        {back}
        {missing ? (
          <Alert color="orange">{t('legal.notFound')}</Alert>
        ) : (
          <ErrorAlert error={termination.error} />
        )}
      </Stack>
    );
  }
  if (!termination.data) return <Loading />;
  const c = termination.data;
  return (
    <Stack gap="md">
      {back}
      <Card withBorder>
        <Stack gap={6}>
          <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
            {names.get(c.customerId) ?? c.customerId}
          </Title>
          <Group gap="xs">
            <CaseStatusBadge status={c.status} />
          </Group>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {t('legal.reason')}: {c.reason}
          </Text>
          <Text size="xs" c="gray.7">
            {t('legal.opened')}: <Time iso={c.openedAt} /> · {c.openedBy}
          </Text>
          {c.effectiveAt && (
            <Text size="xs" c="gray.7">
              {t('legal.effective')}: <Time iso={c.effectiveAt} />
            </Text>
          )}
        </Stack>
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Decision caseId={c.id} />
        <Reports caseId={c.id} />
      </SimpleGrid>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('legal.timeline')}
        </Title>
        <Timeline bulletSize={14} lineWidth={2} active={c.events.length}>
          {c.events.map((event, i) => (
            <Timeline.Item key={i} title={words(event.type)}>
              <Text size="xs" c="gray.7">
                <Time iso={event.at} /> · {event.actor}
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
