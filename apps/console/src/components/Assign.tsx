import { Alert, Button, Group, Select, Stack } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError, unwrap, type Schemas } from '../api/client';
import { useI18n } from '../i18n';

export type Person = Schemas['PersonView'];

/** The people work can be assigned to (GET /v1/people), asked once a few minutes. */
export function usePeople(enabled = true) {
  return useQuery({
    queryKey: ['people'],
    enabled,
    staleTime: 5 * 60_000,
    queryFn: async () => unwrap(await api.GET('/v1/people')),
  });
}

/** A person to pick, by name with the role beside it: two tokens may share a name, never a subject. */
export function PersonSelect({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string | null;
  onChange: (subject: string | null) => void;
  error?: string;
}) {
  const people = usePeople();
  return (
    <Select
      label={label}
      searchable
      clearable
      w={{ base: '100%', xs: 260 }}
      value={value}
      error={error}
      onChange={onChange}
      data={(people.data ?? []).map((p) => ({
        value: p.subject,
        label: p.role ? `${p.name} (${p.role.replace(/_/g, ' ')})` : p.name,
      }))}
    />
  );
}

/**
 * Who holds a notice or a task, and a picker to change it: POST /v1/notices/:id/assignee or
 * POST /v1/tasks/:id/assignee. The API puts the assignment on the timeline and in the audit trail.
 */
export function AssignControl({
  kind,
  id,
  assignedTo,
  label,
}: {
  kind: 'notice' | 'task';
  id: string;
  assignedTo: string | null | undefined;
  label?: string;
}) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const people = usePeople();
  const [choice, setChoice] = useState<string | null>(assignedTo ?? null);
  // Someone else (or a bulk action) changed it meanwhile: the picker shows who holds it now (React's pattern for
  // state that follows a prop, without remounting, which would drop the result shown below).
  const [shownFor, setShownFor] = useState(assignedTo);
  if (shownFor !== assignedTo) {
    setShownFor(assignedTo);
    setChoice(assignedTo ?? null);
  }
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const assign = useMutation({
    mutationFn: async (assignee: string | null) =>
      kind === 'notice'
        ? unwrap(
            await api.POST('/v1/notices/{id}/assignee', { params: { path: { id } }, body: { assignee } }),
          )
        : unwrap(await api.POST('/v1/tasks/{id}/assignee', { params: { path: { id } }, body: { assignee } })),
    onSuccess: (_, assignee) => {
      const name = people.data?.find((p) => p.subject === assignee)?.name ?? assignee;
      setResult({ ok: true, text: assignee ? t('assign.done', { name: name ?? '' }) : t('assign.removed') });
      void queryClient.invalidateQueries({ queryKey: ['notice'] });
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
    },
    onError: (error) =>
      setResult({
        ok: false,
        text: t('notice.refused', { message: error instanceof ApiError ? error.message : String(error) }),
      }),
  });
  return (
    <Stack gap={6}>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <PersonSelect label={label ?? t('assign.label')} value={choice} onChange={setChoice} />
        <Button
          variant="default"
          disabled={choice === (assignedTo ?? null)}
          loading={assign.isPending}
          onClick={() => {
            setResult(null);
            assign.mutate(choice);
          }}
          data-testid={`assign-${kind}`}
        >
          {t('action.assign')}
        </Button>
      </Group>
      {result && (
        <Alert color={result.ok ? 'green' : 'red'} role={result.ok ? 'status' : 'alert'} p="xs">
          {result.text}
        </Alert>
      )}
    </Stack>
  );
}
