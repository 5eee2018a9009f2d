import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { categoryLabel, stateLabel } from '../labels';
import { useNow } from '../time';
import type { AnswerKind, AnswerResult } from './api';
import { PortalError, PortalLoading } from './feedback';
import { usePortalI18n, type PortalKey, type PortalTranslate } from './i18n';
import { useAnswerMany, useNotices } from './queries';
import { askedOf, EndCustomerLine, ReportedUrls, shortId } from './notice-parts';
import { PortalTime, PortalTimeLeft } from './time';

const REFUSALS = new Set(['NOTICE.ALREADY_CLAIMED', 'NOTICE.ALREADY_CLOSED']);

function resultText(result: AnswerResult, t: PortalTranslate, language: 'en' | 'nl') {
  if (result.result === 'accepted')
    return t('answer.accepted', { state: stateLabel(result.state ?? '', language) });
  if (result.result === 'not_found') return t('answer.not_found');
  const known = result.code && REFUSALS.has(result.code);
  return t('answer.refused', {
    message: known ? t(`answer.${result.code}` as PortalKey) : (result.message ?? result.code ?? ''),
  });
}

export default function OpenNoticesPage() {
  const { t, language } = usePortalI18n();
  const notices = useNotices('open');
  const now = useNow();
  const answer = useAnswerMany();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [kind, setKind] = useState<AnswerKind>('removed');
  const [reason, setReason] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [results, setResults] = useState<AnswerResult[] | null>(null);

  const items = useMemo(() => notices.data ?? [], [notices.data]);
  const answerable = items.filter((n) => n.answers.length > 0);
  const chosen = [...selected].filter((id) => items.some((n) => n.id === id));
  const byId = new Map(items.map((n) => [n.id, n]));
  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const allOn = answerable.length > 0 && answerable.every((n) => selected.has(n.id));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen.length === 0) return setFormError(t('answer.none'));
    if (kind === 'dispute' && !reason.trim()) return setFormError(t('answer.reasonNeeded'));
    setFormError(null);
    answer.mutate(
      { ids: chosen, kind, reason: reason.trim() },
      {
        onSuccess: (answered) => {
          setResults(answered);
          setSelected(new Set());
          setReason('');
        },
      },
    );
  };

  if (notices.error && !notices.data) return <PortalError error={notices.error} />;
  if (!notices.data) return <PortalLoading />;
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          {t('open.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('open.subtitle')}
        </Text>
      </div>
      {results && (
        <Alert color="indigo" role="status" title={t('answer.results')} data-testid="answer-results">
          <List size="sm" spacing={2}>
            {results.map((r) => {
              const notice = byId.get(r.noticeId);
              return (
                <List.Item key={r.noticeId} data-notice={r.noticeId} data-result={r.result}>
                  {notice ? `${categoryLabel(notice.category, language)} · ` : ''}
                  {shortId(r.noticeId)}: {resultText(r, t, language)}
                </List.Item>
              );
            })}
          </List>
        </Alert>
      )}
      {items.length === 0 ? (
        <Alert color="gray" role="status" data-testid="open-empty">
          {t('open.empty')}
        </Alert>
      ) : (
        <>
          <Paper
            withBorder
            p="md"
            component="form"
            onSubmit={submit}
            noValidate
            aria-label={t('answer.title')}
          >
            <Stack gap="sm">
              <Group justify="space-between" wrap="wrap" gap="xs">
                <Title order={2} size="h4">
                  {t('answer.title')}
                </Title>
                <Text size="sm" fw={600} data-testid="selected-count">
                  {t('open.selected', { count: chosen.length })}
                </Text>
              </Group>
              <Checkbox
                label={t('open.selectAll')}
                checked={allOn}
                indeterminate={!allOn && chosen.length > 0}
                disabled={answerable.length === 0}
                onChange={(e) =>
                  setSelected(e.currentTarget.checked ? new Set(answerable.map((n) => n.id)) : new Set())
                }
              />
              <Group gap="sm" align="center" wrap="wrap">
                <Text size="sm" fw={600} id="answer-kind-label">
                  {t('answer.kind')}
                </Text>
                <SegmentedControl
                  aria-labelledby="answer-kind-label"
                  value={kind}
                  onChange={(value) => setKind(value as AnswerKind)}
                  data={[
                    { value: 'removed', label: t('answer.removed') },
                    { value: 'dispute', label: t('answer.dispute') },
                  ]}
                />
              </Group>
              {kind === 'dispute' && (
                <Textarea
                  label={t('answer.reason')}
                  autosize
                  minRows={2}
                  maxLength={5000}
                  value={reason}
                  onChange={(e) => setReason(e.currentTarget.value)}
                />
              )}
              {formError && (
                <Text c="red.8" size="sm" role="alert">
                  {formError}
                </Text>
              )}
              {answer.error && <PortalError error={answer.error} />}
              <Group>
                <Button type="submit" loading={answer.isPending} disabled={chosen.length === 0}>
                  {t('answer.submit', { count: chosen.length })}
                </Button>
              </Group>
            </Stack>
          </Paper>
          <Stack gap="sm" data-testid="open-notices">
            {items.map((n) => (
              <Paper
                key={n.id}
                withBorder
                p="md"
                data-notice={n.id}
                component="article"
                aria-label={`${categoryLabel(n.category, language)} ${shortId(n.id)}`}
              >
                <Group align="flex-start" wrap="nowrap" gap="md">
                  <Checkbox
                    mt={4}
                    aria-label={t('open.select', { id: shortId(n.id) })}
                    checked={selected.has(n.id)}
                    disabled={n.answers.length === 0}
                    onChange={(e) => toggle(n.id, e.currentTarget.checked)}
                  />
                  <Stack gap={6} style={{ flex: 1, minWidth: 0 }}>
                    <Group justify="space-between" wrap="wrap" gap="xs">
                      <Group gap="xs" wrap="wrap">
                        <Text fw={700}>{categoryLabel(n.category, language)}</Text>
                        <Text size="sm" c="gray.7" ff="monospace">
                          {shortId(n.id)}
                        </Text>
                        <Badge variant="default" tt="none" data-testid="portal-state">
                          {stateLabel(n.state, language)}
                        </Badge>
                      </Group>
                      <PortalTimeLeft deadline={n.deadline} now={now} />
                    </Group>
                    <EndCustomerLine notice={n} />
                    {n.deadline && (
                      <Text size="sm">
                        {`${t('open.deadline')}: `}
                        <PortalTime iso={n.deadline} />
                      </Text>
                    )}
                    <div>
                      <Text size="xs" fw={600} c="gray.7">
                        {t('open.url')}
                      </Text>
                      <ReportedUrls urls={n.urls} />
                    </div>
                    <div>
                      <Text size="xs" fw={600} c="gray.7">
                        {t('open.asked')}
                      </Text>
                      <Text size="sm">{t(askedOf(n))}</Text>
                    </div>
                    <Text size="xs" c="gray.7">
                      {`${t('open.received')}: `}
                      <PortalTime iso={n.receivedAt} />
                    </Text>
                  </Stack>
                </Group>
              </Paper>
            ))}
          </Stack>
        </>
      )}
    </Stack>
  );
}
