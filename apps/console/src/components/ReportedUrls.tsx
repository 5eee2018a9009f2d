import { Button, Code, Group, List, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api, unwrap, type Me } from '../api/client';
import { useI18n } from '../i18n';
import { ErrorAlert } from './Feedback';

/** The roles the API lets reveal a CSAM URL (GET /v1/notices/{id}/urls); it refuses the others anyway. */
const MAY_REVEAL = ['admin', 'abuse_desk', 'abuse_lead'];

const hostOf = (url: string) => /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(url)?.[1] ?? url.split('/')[0];

/**
 * A notice's reported URLs as text, never a link, image or frame. A CSAM URL shows its host only until the person
 * clicks "reveal": the path leads to the material and the page may be on a shared screen. The full URLs then come
 * from the API's reveal route, which records who looked in the audit trail.
 */
export function ReportedUrls({
  noticeId,
  category,
  urls,
  me,
}: {
  noticeId: string;
  category: string;
  urls: string[];
  me: Me | undefined;
}) {
  const { t } = useI18n();
  const reveal = useMutation({
    mutationFn: async () =>
      unwrap(await api.GET('/v1/notices/{id}/urls', { params: { path: { id: noticeId } } })),
  });
  const shown = category !== 'csam' ? urls : reveal.data?.urls;
  if (shown) {
    return (
      <List size="sm" spacing={4} data-testid="reported-urls" data-revealed={category === 'csam'}>
        {shown.map((url, i) => (
          <List.Item key={i}>
            <Code style={{ overflowWrap: 'anywhere', whiteSpace: 'normal' }}>{url}</Code>
          </List.Item>
        ))}
      </List>
    );
  }
  const mayReveal = me?.roles.some((r) => MAY_REVEAL.includes(r)) ?? false;
  return (
    <Stack gap={6} data-testid="reported-urls" data-revealed={false}>
      <List size="sm" spacing={4}>
        {urls.map((url, i) => (
          <List.Item key={i}>
            <Group gap={6} wrap="wrap">
              <Code style={{ overflowWrap: 'anywhere' }}>{hostOf(url)}</Code>
              <Text span size="sm" c="gray.7" fs="italic">
                / {t('notice.hiddenPath')}
              </Text>
            </Group>
          </List.Item>
        ))}
      </List>
      {mayReveal && (
        <Group gap="xs" wrap="wrap">
          <Button
            size="xs"
            variant="outline"
            color="red.9"
            loading={reveal.isPending}
            onClick={() => reveal.mutate()}
            data-testid="reveal-urls"
          >
            {t('notice.reveal')}
          </Button>
          <Text size="xs" c="gray.7">
            {t('notice.revealAudited')}
          </Text>
        </Group>
      )}
      {reveal.error && <ErrorAlert error={reveal.error} />}
    </Stack>
  );
}
