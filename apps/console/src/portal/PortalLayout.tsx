import { Box, Container, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import type { ReactNode } from 'react';
import { NavLink } from 'react-router-dom';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { PortalError, PortalLoading } from './feedback';
import type { CustomerProfile } from './api';
import { PortalI18nProvider, useDocumentLanguage, usePortalI18n, type PortalKey } from './i18n';
import { useProfile } from './queries';

const TABS: { to: string; label: PortalKey; end?: boolean }[] = [
  { to: '/portal', label: 'portal.nav.open', end: true },
  { to: '/portal/history', label: 'portal.nav.history' },
  { to: '/portal/standing', label: 'portal.nav.standing' },
  { to: '/portal/statements', label: 'portal.nav.statements' },
];

/** The portal's frame: who the customer is, its time zone, language and sign-out; its pages as tabs. */
export function PortalLayout({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const profile = useProfile();
  if (profile.error) {
    return (
      <Container size="md" py="xl" component="main">
        <PortalError error={profile.error} />
      </Container>
    );
  }
  if (!profile.data) return <PortalLoading />;
  // The customer's own language and zone from here on; keyed so that another customer starts afresh.
  return (
    <PortalI18nProvider key={profile.data.id} customer={profile.data}>
      <Frame profile={profile.data} onSignOut={onSignOut}>
        {children}
      </Frame>
    </PortalI18nProvider>
  );
}

function Frame({
  profile,
  onSignOut,
  children,
}: {
  profile: CustomerProfile;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { t, language, setLanguage, timeZone } = usePortalI18n();
  useDocumentLanguage();
  return (
    <>
      <a href="#main" className="skip-link">
        {t('portal.skip')}
      </a>
      <Box component="header" className="portal-header">
        <Container size="lg" py="sm">
          <Group justify="space-between" wrap="wrap" gap="xs">
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text fw={800} size="lg">
                {t('portal.title')}
              </Text>
              <Text size="sm" c="gray.7" style={{ overflowWrap: 'anywhere' }} data-testid="portal-customer">
                {t('portal.customer', { name: profile.name, reference: profile.reference })}
              </Text>
            </Stack>
            <Group gap="sm" wrap="nowrap">
              <LanguageSwitch label={t('portal.language')} value={language} onChange={setLanguage} />
              <UnstyledButton onClick={onSignOut} fz="sm" fw={600} c="indigo.9" data-testid="portal-sign-out">
                {t('portal.signOut')}
              </UnstyledButton>
            </Group>
          </Group>
          <Group justify="space-between" mt="xs" gap="xs" wrap="wrap">
            <nav aria-label={t('portal.nav')} className="portal-tabs">
              {TABS.map((tab) => (
                <NavLink key={tab.to} to={tab.to} end={tab.end}>
                  {t(tab.label)}
                </NavLink>
              ))}
            </nav>
            <Text size="xs" c="gray.7" data-testid="portal-zone">
              {t('portal.timeZone', { zone: timeZone })}
            </Text>
          </Group>
        </Container>
      </Box>
      <Container size="lg" py="md" component="main" id="main">
        {children}
      </Container>
    </>
  );
}
