import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { downloadFile } from '../download';
import type { components } from '../api/schema';
import { PORTAL_UNAUTHORIZED_EVENT, portalApi } from './api';
import { PortalError, PortalLoading } from './feedback';
import { usePortalI18n } from './i18n';
import { shortId } from './notice-parts';
import { portalSession } from './session';
import { PortalTime, portalTime } from './time';

type Statement = components['schemas']['CustomerStatementView'];

function useStatements() {
  return useQuery<Statement[]>({
    queryKey: ['portal', portalSession.token() ?? '', 'statements'],
    queryFn: async () => unwrap(await portalApi.GET('/v1/customer/statements')),
  });
}

/** A statement's file, fetched with the customer's token and handed to the browser as a download. */
const download = (path: string, fileName: string) =>
  downloadFile(path, fileName, { session: portalSession, unauthorizedEvent: PORTAL_UNAUTHORIZED_EVENT });

/** The statements of reasons (DSA Art. 17) the customer received, newest first, each as its signed PDF and JSON. */
export default function StatementsPage() {
  const { t, language, timeZone } = usePortalI18n();
  const statements = useStatements();
  const file = useMutation({
    mutationFn: ({ s, kind }: { s: Statement; kind: 'pdf' | 'json' }) =>
      download(kind === 'pdf' ? s.pdf : s.json, `statement-of-reasons-${s.id}.${kind}`),
  });
  if (statements.error && !statements.data) return <PortalError error={statements.error} />;
  if (!statements.data) return <PortalLoading />;
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          {t('statements.title')}
        </Title>
        <Text size="sm" c="gray.7">
          {t('statements.subtitle')}
        </Text>
      </div>
      {file.error && <PortalError error={file.error} />}
      {statements.data.length === 0 ? (
        <Alert color="gray" role="status" data-testid="statements-empty">
          {t('statements.empty')}
        </Alert>
      ) : (
        <Stack gap="sm" data-testid="statements">
          {statements.data.map((s) => {
            const kind = t(`statements.kind.${s.kind}`);
            // Each button names its statement: a screen reader's list of buttons is otherwise "Download PDF" × n.
            const of = t('statements.downloadOf', {
              kind,
              date: portalTime(s.createdAt, language, timeZone),
            });
            return (
              <Paper key={s.id} withBorder p="md" component="article" data-statement={s.id}>
                <Stack gap={6}>
                  <Group justify="space-between" wrap="wrap" gap="xs">
                    <Badge variant="default" tt="none" size="lg">
                      {kind}
                    </Badge>
                    <Text size="sm" c="gray.7" ff="monospace">
                      {s.noticeId
                        ? t('statements.notice', { id: shortId(s.noticeId) })
                        : t('statements.case', { id: shortId(s.caseId ?? '') })}
                    </Text>
                  </Group>
                  <Text size="xs" c="gray.7">
                    {t('statements.made')}: <PortalTime iso={s.createdAt} />
                  </Text>
                  <Text size="xs" c="gray.7" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {t('statements.digest')}: {s.digest}
                  </Text>
                  <Group gap="xs">
                    <Button
                      size="xs"
                      aria-label={`${t('statements.pdf')}: ${of}`}
                      loading={
                        file.isPending && file.variables?.s.id === s.id && file.variables.kind === 'pdf'
                      }
                      onClick={() => file.mutate({ s, kind: 'pdf' })}
                      data-testid="statement-pdf"
                    >
                      {t('statements.pdf')}
                    </Button>
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`${t('statements.json')}: ${of}`}
                      loading={
                        file.isPending && file.variables?.s.id === s.id && file.variables.kind === 'json'
                      }
                      onClick={() => file.mutate({ s, kind: 'json' })}
                      data-testid="statement-json"
                    >
                      {t('statements.json')}
                    </Button>
                  </Group>
                </Stack>
              </Paper>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
