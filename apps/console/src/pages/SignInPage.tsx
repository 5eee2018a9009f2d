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
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ApiError, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { fetchSettings, startSignIn } from '../oidc';
import { session } from '../session';
import { useShownOnce } from '../shown-once';
import { LanguageSwitch } from '../components/LanguageSwitch';

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const { t, language, setLanguage } = useI18n();
  const navigate = useNavigate();
  const reason = useShownOnce(session.reason, session.forgetReason);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const settings = useQuery({ queryKey: ['settings'], queryFn: fetchSettings, staleTime: Infinity });
  const oidc = settings.data?.oidc ?? null;
  const [redirecting, setRedirecting] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) {
      setError(t('signIn.empty'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.GET('/v1/me', { headers: { Authorization: `Bearer ${candidate}` } }));
      session.signIn(candidate);
      onSignedIn();
      navigate('/', { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? t('signIn.rejected', { message: err.message }) : t('error.network'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={460}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Title order={1} size="h3">
                {t('signIn.title')}
              </Title>
              <LanguageSwitch label={t('nav.language')} value={language} onChange={setLanguage} />
            </Group>
            {reason === 'expired' && (
              <Alert color="orange" role="status" data-testid="signed-out-reason">
                {t('signIn.expired')}
              </Alert>
            )}
            {oidc && (
              <>
                <Button
                  variant="filled"
                  loading={redirecting}
                  onClick={() => {
                    setRedirecting(true);
                    startSignIn(oidc).catch((err: unknown) => {
                      setRedirecting(false);
                      setError(
                        t('signIn.ssoFailed', { message: err instanceof Error ? err.message : String(err) }),
                      );
                    });
                  }}
                >
                  {t('signIn.sso')}
                </Button>
                <Divider label={t('signIn.or')} labelPosition="center" />
              </>
            )}
            <Text size="sm">{t('signIn.intro')}</Text>
            <PasswordInput
              label={t('signIn.token')}
              name="token"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={error}
              data-autofocus
            />
            <Text size="xs" c="gray.7">
              {t('signIn.kept')}
            </Text>
            <Button type="submit" loading={busy} variant={oidc ? 'default' : 'filled'}>
              {t('signIn.submit')}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
