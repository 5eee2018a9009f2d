import { Badge, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { CustomerAppeal, CustomerNotice } from './api';
import { PortalError } from './feedback';
import { usePortalI18n, type PortalKey } from './i18n';
import { useFileAppeal } from './queries';
import { PortalTime } from './time';

/** Outcomes that never count against the customer: nothing to appeal. */
const NOT_A_STRIKE = new Set(['removed_in_time', 'disputed_accepted', 'invalid', 'withdrawn_by_source']);

/**
 * A closed notice's appeal: its status and the reviewer's reason once there is one, or the "Appeal" action with a
 * reason (the API decides whether the notice counted against the customer and whether the period is still open).
 */
export function AppealPanel({ notice, appeal }: { notice: CustomerNotice; appeal?: CustomerAppeal }) {
  const { t } = usePortalI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const file = useFileAppeal();

  if (appeal) {
    return (
      <Stack gap={2} data-testid="appeal-status">
        <Group gap="xs">
          <Badge variant="light" color={appeal.status === 'reversed' ? 'green' : 'gray'} tt="none">
            {t('appeal.status', { status: t(`appeal.status.${appeal.status}` as PortalKey) })}
          </Badge>
          {appeal.status === 'under_review' && (
            <Text size="xs" c="gray.7">
              {t('appeal.due')}: <PortalTime iso={appeal.reviewDueAt} />
            </Text>
          )}
        </Group>
        {appeal.reviewReason && (
          <Text size="sm">{t('appeal.reviewReason', { reason: appeal.reviewReason })}</Text>
        )}
      </Stack>
    );
  }
  // A reseller's missed window counts against it whatever the end customer's outcome.
  if (!notice.resellerStrike && (!notice.outcome || NOT_A_STRIKE.has(notice.outcome))) return null;
  if (!open) {
    return (
      <Group>
        <Button variant="default" size="xs" onClick={() => setOpen(true)}>
          {t('appeal.action')}
        </Button>
      </Group>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setFormError(t('appeal.reasonMissing'));
      return;
    }
    setFormError(null);
    file.mutate({ noticeId: notice.id, reason: reason.trim() });
  };
  return (
    <form onSubmit={submit} aria-label={t('appeal.title')}>
      <Stack gap="xs">
        <Text fw={600}>{t('appeal.title')}</Text>
        <Text size="sm" c="gray.7">
          {t('appeal.intro')}
        </Text>
        <Textarea
          label={t('appeal.reason')}
          autosize
          minRows={2}
          maxLength={5000}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        {formError && (
          <Text c="red.8" size="sm" role="alert">
            {formError}
          </Text>
        )}
        {file.error && <PortalError error={file.error} />}
        <Group>
          <Button type="submit" size="xs" loading={file.isPending}>
            {t('appeal.submit')}
          </Button>
          <Button variant="subtle" size="xs" onClick={() => setOpen(false)}>
            {t('appeal.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
