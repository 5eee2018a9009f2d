import { Alert, Center, Loader } from '@mantine/core';
import { ApiError } from '../api/client';
import { usePortalI18n } from './i18n';

export function PortalLoading() {
  const { t } = usePortalI18n();
  return (
    <Center p="xl">
      <Loader aria-label={t('loading')} />
    </Center>
  );
}

/** What went wrong, in words, with what to do; never a stack trace. */
export function PortalError({ error }: { error: unknown }) {
  const { t } = usePortalI18n();
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
