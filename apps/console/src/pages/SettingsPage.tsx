import { Alert, Button, Card, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert, Loading } from '../components/Feedback';
import { useI18n } from '../i18n';
import { useSaveSettings, useSettings } from '../settings';
import { exactTime } from '../time';

const PROVIDER = '';

/** The person's own settings: the time zone the console shows times in (stored by the API, default the provider's). */
export default function SettingsPage() {
  const { t, language } = useI18n();
  const settings = useSettings();
  const save = useSaveSettings();
  const [zone, setZone] = useState<string | null>(null);
  if (settings.error) return <ErrorAlert error={settings.error} />;
  if (!settings.data) return <Loading />;
  const s = settings.data;
  const picked = zone ?? (s.ownTimeZone ? s.timeZone : PROVIDER);
  const zones = [
    { value: PROVIDER, label: t('settings.providerZone', { zone: s.providerTimeZone }) },
    ...Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, label: z.replace(/_/g, ' ') })),
  ];
  return (
    <Stack gap="md" maw={560}>
      <Title order={1} size="h2">
        {t('settings.title')}
      </Title>
      <Card withBorder padding="md">
        <Stack gap="sm">
          <Select
            label={t('settings.timeZone')}
            searchable
            allowDeselect={false}
            value={picked}
            onChange={(value) => setZone(value)}
            data={zones}
            data-testid="time-zone-select"
          />
          <Text size="sm" c="gray.7">
            {t('settings.timeZoneHint')}
          </Text>
          <Text size="sm" c="gray.7" data-testid="time-zone-now">
            {t('settings.now', { time: exactTime(new Date().toISOString(), language) })}
          </Text>
          <Group>
            <Button
              loading={save.isPending}
              disabled={zone === null}
              onClick={() =>
                save.mutate(
                  { timeZone: picked === PROVIDER ? null : picked },
                  { onSuccess: () => setZone(null) },
                )
              }
              data-testid="save-settings"
            >
              {t('settings.save')}
            </Button>
          </Group>
          {save.isSuccess && zone === null && (
            <Alert color="green" data-testid="settings-saved">
              {t('settings.saved')}
            </Alert>
          )}
          {save.error && <ErrorAlert error={save.error} />}
        </Stack>
      </Card>
    </Stack>
  );
}
