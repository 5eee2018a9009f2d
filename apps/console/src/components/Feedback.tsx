import { Alert, Center, Loader } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';

/** The words the feedback needs, from whichever table (the staff console's or the portal's) the page uses. */
export type FeedbackWords = (
  key: 'loading' | 'error.generic' | 'error.network',
  values?: { message: string },
) => string;

export function Loading() {
  const { t } = useI18n();
  return <LoadingIn t={t} />;
}

export function LoadingIn({ t }: { t: FeedbackWords }) {
  return (
    <Center p="xl">
      <Loader aria-label={t('loading')} />
    </Center>
  );
}

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useI18n();
  return <ErrorAlertIn error={error} t={t} />;
}

/** What went wrong, in words, with what to do; never a stack trace. */
export function ErrorAlertIn({ error, t }: { error: unknown; t: FeedbackWords }) {
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

/**
 * A page that fails to render shows what happened in words, and the rest of the console (navigation, sign-out)
 * keeps working; `resetKey` (the location) clears it when the person goes elsewhere.
 */
export class PageErrorBoundary extends Component<
  { children: ReactNode; resetKey: string },
  { error: unknown }
> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render() {
    return this.state.error ? <ErrorAlert error={this.state.error} /> : this.props.children;
  }
}
