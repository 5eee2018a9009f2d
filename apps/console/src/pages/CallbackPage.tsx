import { Alert, Anchor, Center, Loader, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n';
import { fetchSettings, finishSignIn } from '../oidc';
import { session } from '../session';

/** Where the issuer sends the browser back after single sign-on: the code becomes the session's token. */
export default function CallbackPage({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  // The code can be exchanged once: React's development double effects must not try twice.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void (async () => {
      try {
        const { oidc } = await fetchSettings();
        if (!oidc) throw new Error('single sign-on is not configured');
        session.signIn(await finishSignIn(oidc));
        onSignedIn();
        navigate('/', { replace: true });
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    })();
  }, [navigate, onSignedIn]);
  return (
    <Center mih="100vh" p="md" component="main">
      {error ? (
        <Stack maw={460}>
          <Alert color="red" role="alert">
            {t('signIn.ssoFailed', { message: error })}
          </Alert>
          <Anchor component={RouterLink} to="/sign-in">
            {t('signIn.submit')}
          </Anchor>
        </Stack>
      ) : (
        <Stack align="center">
          <Loader aria-label={t('signIn.finishing')} />
          <Text>{t('signIn.finishing')}</Text>
        </Stack>
      )}
    </Center>
  );
}
