import { Alert, Center, Loader } from '@mantine/core';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';

export function Loading() {
  const { t } = useI18n();
  return (
    <Center p="xl">
      <Loader aria-label={t('loading')} />
    </Center>
  );
}

/** What went wrong, in words, with what to do; never a stack trace. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useI18n();
  const message =
    error instanceof ApiError
      ? t('error.generic', { message: error.message })
      : error instanceof TypeError
        ? t('error.network')
        : t('error.generic', { message: String((error as Error)?.message ?? error) });
  return (
    <Alert color="red" role="alert" title={error instanceof ApiError ? error.code : undefined}>
      {message}
    </Alert>
  );
}
