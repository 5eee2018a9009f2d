import {
  Alert,
  Button,
  Center,
  Divider,
  Group,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError, unwrap } from '../api/client';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { portalApi } from './api';
import { useDocumentLanguage, usePortalI18n, type PortalKey } from './i18n';
import { useShownOnce } from '../shown-once';
import { portalSession } from './session';

const LINK_ERRORS = new Set(['LINK.USED', 'LINK.EXPIRED', 'LINK.INVALID']);

/**
 * The portal's way in: a link from an email (exchanged only when the customer presses the button, so a mail
 * scanner that fetches the page uses nothing up), a fresh link by email, or a customer token pasted.
 */
export function PortalSignIn({ link, onSignedIn }: { link: string | null; onSignedIn: () => void }) {
  const { t, language, setLanguage } = usePortalI18n();
  useDocumentLanguage();
  const expired = useShownOnce(portalSession.expired, portalSession.forgetExpired);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);

  const openLink = async () => {
    if (!link) return;
    setOpening(true);
    setLinkError(null);
    // A token of an earlier session must not ride along: the link decides whose notices these are.
    portalSession.signOut();
    try {
      const session = unwrap(await portalApi.POST('/v1/customer/sessions', { body: { link } }));
      portalSession.signIn(session.token);
      onSignedIn();
    } catch (err) {
      setLinkError(
        err instanceof ApiError && LINK_ERRORS.has(err.code)
          ? t(`entry.${err.code}` as PortalKey)
          : err instanceof ApiError
            ? t('error.generic', { message: err.message })
            : t('error.network'),
      );
    } finally {
      setOpening(false);
    }
  };

  return (
    <Center mih="100vh" p="md" component="main" id="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={520}>
        <Stack>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Title order={1} size="h3">
              {t('entry.title')}
            </Title>
            <LanguageSwitch label={t('portal.language')} value={language} onChange={setLanguage} />
          </Group>
          {expired && (
            <Alert color="orange" role="status" data-testid="portal-expired">
              {t('entry.expired')}
            </Alert>
          )}
          {link && (
            <Stack gap="sm">
              <Text size="sm">{t('entry.link')}</Text>
              {linkError && (
                <Alert color="red" role="alert" data-testid="link-error">
                  {linkError}
                </Alert>
              )}
              <Button onClick={openLink} loading={opening} size="md">
                {t('entry.open')}
              </Button>
            </Stack>
          )}
          {link && <Divider />}
          <RequestLink />
          <Divider />
          <PasteToken onSignedIn={onSignedIn} />
        </Stack>
      </Paper>
    </Center>
  );
}

function RequestLink() {
  const { t } = usePortalI18n();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      unwrap(await portalApi.POST('/v1/customer/link-requests', { body: { email: email.trim() } }));
      setSent(email.trim());
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.code === 'REQUEST.RATE_LIMITED'
            ? t('request.limited')
            : err.message
          : t('error.network'),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Title order={2} size="h5">
          {t('request.title')}
        </Title>
        <Text size="sm">{t('request.intro')}</Text>
        <TextInput
          type="email"
          label={t('request.email')}
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={error}
        />
        {sent && (
          <Alert color="green" role="status" data-testid="link-requested">
            {t('request.sent', { email: sent })}
          </Alert>
        )}
        <Button type="submit" variant="light" loading={busy}>
          {t('request.submit')}
        </Button>
      </Stack>
    </form>
  );
}

function PasteToken({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = usePortalI18n();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) {
      setError(t('token.empty'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Only a customer token reads the profile: a staff token is refused here, not let into the portal.
      unwrap(
        await portalApi.GET('/v1/customer/profile', { headers: { Authorization: `Bearer ${candidate}` } }),
      );
      portalSession.signIn(candidate);
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? t('token.rejected', { message: err.message }) : t('error.network'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        <Title order={2} size="h5">
          {t('token.title')}
        </Title>
        <PasswordInput
          label={t('token.label')}
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.currentTarget.value)}
          error={error}
        />
        <Text size="xs" c="gray.7">
          {t('token.kept')}
        </Text>
        <Button type="submit" variant="default" loading={busy}>
          {t('token.submit')}
        </Button>
      </Stack>
    </form>
  );
}
