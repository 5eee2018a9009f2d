import { Alert, Anchor, Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { api, ApiError, unwrap, type Task } from '../api/client';
import { AssignControl } from '../components/Assign';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n } from '../i18n';
import { categoryLabel } from '../labels';
import { useLiveEvents } from '../live';
import { QUEUE_REFRESH_MS } from '../queue-data';
import { Time, TimeLeft, useNow } from '../time';

/**
 * One task: its outcome and note, and once completed what was done. `done` is the page's record of a completion (see
 * TasksPage): the card keeps saying it after the list, refreshed, no longer has the task.
 */
function TaskCard({
  task,
  now,
  done,
  onCompleted,
}: {
  task: Task;
  now: number;
  done: string | null;
  onCompleted: (text: string) => void;
}) {
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const message =
    done !== null ? { ok: true, text: done } : refusal !== null ? { ok: false, text: refusal } : null;
  const complete = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/tasks/{id}/complete', {
          params: { path: { id: task.id } },
          body: { outcome: outcome ?? '', ...(note.trim() ? { note: note.trim() } : {}) },
        }),
      ),
    onSuccess: (completed) => {
      // Told to the page, which may have refreshed the list without this task meanwhile (a slow answer).
      onCompleted(t('tasks.completed', { outcome: (completed.outcome ?? '').replace(/_/g, ' ') }));
      void queryClient.invalidateQueries({ queryKey: ['notice'] });
    },
    onError: (error) =>
      setRefusal(t('notice.refused', { message: error instanceof ApiError ? error.message : String(error) })),
  });
  const customer = task.notice?.customer ?? task.terminationCase?.customer ?? null;
  return (
    <Card withBorder data-task={task.id}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <Stack gap={2} style={{ flex: 1, minWidth: 220 }}>
            <Title order={2} size="h4" style={{ overflowWrap: 'anywhere' }}>
              {task.summary}
            </Title>
            <Text size="sm" c="gray.7" style={{ overflowWrap: 'anywhere' }}>
              {task.kind.replace(/_/g, ' ')} · {task.assignee.replace(/_/g, ' ')}
              {customer ? ` · ${customer.name} (${customer.reference})` : ''}
            </Text>
          </Stack>
          <Stack gap={2} align="flex-end">
            {done === null && <TimeLeft deadline={task.dueAt} now={now} />}
            <Text size="xs" c="gray.7">
              {t('tasks.due')}: <Time iso={task.dueAt} />
            </Text>
          </Stack>
        </Group>
        {task.notice && (
          <Text size="sm">
            {t('tasks.about')}:{' '}
            <Anchor component={RouterLink} to={`/notices/${task.notice.id}`}>
              {categoryLabel(task.notice.category, language)} — {t('tasks.openNotice')}
            </Anchor>
          </Text>
        )}
        {done === null && <AssignControl kind="task" id={task.id} assignedTo={task.assignedTo} />}
        {message?.ok ? null : (
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select
              label={t('tasks.outcome')}
              w={260}
              maw="100%"
              value={outcome}
              onChange={setOutcome}
              data={task.allowedOutcomes.map((o) => ({ value: o, label: o.replace(/_/g, ' ') }))}
            />
            <TextInput
              label={t('tasks.note')}
              style={{ flex: 1, minWidth: 200 }}
              maxLength={5000}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
            <Button
              disabled={!outcome}
              loading={complete.isPending}
              onClick={() => {
                setRefusal(null);
                complete.mutate();
              }}
            >
              {t('tasks.complete')}
            </Button>
          </Group>
        )}
        {message && (
          <Alert
            color={message.ok ? 'green' : 'red'}
            role={message.ok ? 'status' : 'alert'}
            data-testid="task-result"
          >
            {message.text}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

/** The open tasks the signed-in role may see and complete (the API scopes an account manager to its customers). */
export default function TasksPage() {
  const { t } = useI18n();
  const now = useNow();
  useLiveEvents();
  const tasks = useQuery({
    queryKey: ['tasks'],
    refetchInterval: QUEUE_REFRESH_MS,
    queryFn: async () =>
      unwrap(await api.GET('/v1/tasks', { params: { query: { status: 'open', limit: 200 } } })),
  });
  // Tasks completed on this page, with what the card said: the list of open tasks drops them at its next refresh
  // (at once, when the completion's event arrives), and the card stays where it was, saying what was done, until the
  // page is left.
  const [completed, setCompleted] = useState<ReadonlyMap<string, { task: Task; text: string; at: number }>>(
    new Map(),
  );
  const open = tasks.data?.items ?? [];
  const shown = open.map((task) => completed.get(task.id)?.task ?? task);
  for (const { task, at } of [...completed.values()].sort((a, b) => a.at - b.at)) {
    if (!open.some((o) => o.id === task.id)) shown.splice(Math.min(at, shown.length), 0, task);
  }
  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          {t('tasks.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('tasks.subtitle')}
        </Text>
      </div>
      {tasks.error && <ErrorAlert error={tasks.error} />}
      {tasks.isPending && <Loading />}
      {shown.map((task, index) => (
        <TaskCard
          key={task.id}
          task={task}
          now={now}
          done={completed.get(task.id)?.text ?? null}
          onCompleted={(text) =>
            setCompleted((before) => new Map(before).set(task.id, { task, text, at: index }))
          }
        />
      ))}
      {tasks.data && tasks.data.items.length === 0 && (
        <Text py="xl" ta="center" c="gray.8" data-testid="tasks-empty">
          {t('tasks.empty')}
        </Text>
      )}
    </Stack>
  );
}
