import { Alert, Button, Card, Group, List, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError, unwrap, type NoticeSummary, type Schemas } from '../api/client';
import { useIntentKey } from '../api/intent-key';
import { useI18n, type MessageKey } from '../i18n';
import { stateLabel } from '../labels';
import { PersonSelect } from './Assign';

type BulkAction = Schemas['BulkActionDto']['action'];
type BulkResult = Schemas['BulkActionResult'];

const ACTIONS: BulkAction[] = ['confirm-removal', 'escalate-now', 'reject-invalid', 'add-note', 'assign'];
/** As on the notice page: only what cannot be undone asks first. */
const IRREVERSIBLE = new Set<BulkAction>(['escalate-now', 'reject-invalid']);

/**
 * One action on the selected notices, one call (POST /v1/notices/bulk-actions), and what became of each: done, or
 * why not (the 409 the single route would have answered, not found, or not carried out).
 */
export function BulkBar({
  selected,
  notices,
  onClear,
}: {
  selected: string[];
  notices: NoticeSummary[];
  onClear: () => void;
}) {
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<BulkAction | null>(null);
  const [text, setText] = useState('');
  const [person, setPerson] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [results, setResults] = useState<{ result: BulkResult; label: string }[] | null>(null);
  const intent = useIntentKey();
  const run = useMutation({
    mutationFn: async ({ act, ids }: { act: BulkAction; ids: string[] }) => {
      const body = {
        action: act,
        noticeIds: ids,
        ...(act === 'reject-invalid' ? { reason: text.trim() } : {}),
        ...(act === 'add-note' ? { note: text.trim() } : {}),
        ...(act === 'assign' ? { assignee: person } : {}),
      };
      return unwrap(
        await api.POST('/v1/notices/bulk-actions', {
          params: { header: { 'Idempotency-Key': intent.for(JSON.stringify(body)) } },
          body,
        }),
      );
    },
    onSettled: (_data, error) => intent.settled(error ?? undefined),
    onSuccess: (answer) => {
      const labels = new Map(notices.map((n) => [n.id, n.sourceReference]));
      setResults(answer.results.map((result) => ({ result, label: labels.get(result.id) ?? result.id })));
      setText('');
      onClear();
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
      void queryClient.invalidateQueries({ queryKey: ['notice'] });
    },
    onError: (error) =>
      setProblem(t('notice.refused', { message: error instanceof ApiError ? error.message : String(error) })),
  });

  const submit = () => {
    setProblem(null);
    setResults(null);
    if (!action) return;
    if (action === 'reject-invalid' && !text.trim()) return setProblem(t('bulk.reasonNeeded'));
    if (action === 'add-note' && !text.trim()) return setProblem(t('bulk.noteNeeded'));
    if (action === 'assign' && !person) return setProblem(t('bulk.personNeeded'));
    if (IRREVERSIBLE.has(action)) setAsking(true);
    else run.mutate({ act: action, ids: selected });
  };

  const describe = (r: BulkResult): string => {
    if (r.status === 'done')
      return r.state ? `${t('bulk.done')} · ${stateLabel(r.state, language)}` : t('bulk.done');
    if (r.status === 'not_found') return t('bulk.notFound');
    if (r.status === 'conflict') return t('bulk.conflict', { message: r.message ?? r.code ?? '' });
    return t('bulk.failed', { message: r.message ?? r.code ?? '' });
  };
  const actionLabel = (a: BulkAction) => t(`action.${a}` as MessageKey);

  return (
    <>
      {selected.length > 0 && (
        <Card withBorder padding="sm" data-testid="bulk-bar" bg="indigo.0">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Text fw={600} size="sm" mb={8} aria-live="polite">
              {t('bulk.selected', { count: selected.length })}
            </Text>
            <Select
              label={t('bulk.action')}
              w={{ base: '100%', xs: 240 }}
              value={action}
              onChange={(v) => setAction(v as BulkAction | null)}
              data={ACTIONS.map((a) => ({ value: a, label: actionLabel(a) }))}
            />
            {action === 'reject-invalid' && (
              <TextInput
                label={t('bulk.reason')}
                w={{ base: '100%', xs: 300 }}
                maxLength={5000}
                value={text}
                onChange={(e) => setText(e.currentTarget.value)}
              />
            )}
            {action === 'add-note' && (
              <TextInput
                label={t('bulk.note')}
                w={{ base: '100%', xs: 300 }}
                maxLength={5000}
                value={text}
                onChange={(e) => setText(e.currentTarget.value)}
              />
            )}
            {action === 'assign' && (
              <PersonSelect label={t('bulk.person')} value={person} onChange={setPerson} />
            )}
            <Button disabled={!action} loading={run.isPending} onClick={submit} data-testid="bulk-run">
              {t('bulk.run', { count: selected.length })}
            </Button>
            <Button variant="subtle" onClick={onClear}>
              {t('bulk.clear')}
            </Button>
          </Group>
          {problem && (
            <Alert color="red" role="alert" mt="xs" p="xs">
              {problem}
            </Alert>
          )}
        </Card>
      )}
      {results && (
        <Alert
          color={results.every((r) => r.result.status === 'done') ? 'green' : 'orange'}
          role="status"
          data-testid="bulk-results"
          withCloseButton
          closeButtonLabel={t('notice.cancel')}
          onClose={() => setResults(null)}
          title={t('bulk.results', {
            done: results.filter((r) => r.result.status === 'done').length,
            other: results.filter((r) => r.result.status !== 'done').length,
          })}
        >
          <List size="sm" spacing={2}>
            {results.map(({ result, label }) => (
              <List.Item key={result.id} data-result={result.id} data-status={result.status}>
                <Text span size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {label}: {describe(result)}
                </Text>
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Modal opened={asking} onClose={() => setAsking(false)} title={action ? actionLabel(action) : ''}>
        <Stack>
          <Text>
            {action ? t('bulk.confirm', { action: actionLabel(action), count: selected.length }) : ''}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(false)}>
              {t('notice.cancel')}
            </Button>
            <Button
              color="red.8"
              data-testid="bulk-confirm"
              onClick={() => {
                setAsking(false);
                if (action) run.mutate({ act: action, ids: selected });
              }}
            >
              {action ? actionLabel(action) : ''}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
