import { Anchor, AppShell, Burger, Group, NavLink, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { NavLink as RouterLink, useNavigate } from 'react-router-dom';
import type { ReactNode } from 'react';
import type { Me } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { session } from '../session';
import { useSaveLanguage } from '../settings';
import { currentTimeZone } from '../time';
import { LanguageSwitch } from './LanguageSwitch';

/** The console's areas this build has pages for, in the order of the navigation. */
const PAGES: { area: Me['areas'][number]; to: string; label: MessageKey }[] = [
  { area: 'queue', to: '/', label: 'nav.queue' },
  { area: 'tasks', to: '/tasks', label: 'nav.tasks' },
  { area: 'orders', to: '/orders/new', label: 'nav.orders' },
  { area: 'customers', to: '/customers', label: 'nav.customers' },
  { area: 'terminations', to: '/terminations', label: 'nav.terminations' },
  { area: 'transparency', to: '/transparency', label: 'nav.transparency' },
  { area: 'audit', to: '/audit', label: 'nav.audit' },
];

export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  const saveLanguage = useSaveLanguage();
  const [opened, { toggle, close }] = useDisclosure();
  const navigate = useNavigate();
  const signOut = () => {
    session.signOut();
    navigate('/sign-in', { replace: true });
  };
  const pages = PAGES.filter((p) => me.areas.includes(p.area));
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Text fw={800} size="lg">
              {t('app.title')}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch
              label={t('nav.language')}
              value={language}
              onChange={(next) => {
                setLanguage(next);
                saveLanguage(next);
              }}
            />
            <UnstyledButton onClick={signOut} fz="sm" fw={600} c="indigo.9" data-testid="sign-out">
              {t('nav.signOut')}
            </UnstyledButton>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <Stack gap={4} style={{ flex: 1 }}>
          {pages.map((p) => (
            <NavLink
              key={p.to}
              component={RouterLink}
              to={p.to}
              end={p.to === '/'}
              label={t(p.label)}
              variant="filled"
              onClick={close}
            />
          ))}
        </Stack>
        <Stack gap={2} p="xs">
          <Text size="xs" c="gray.7" style={{ overflowWrap: 'anywhere' }}>
            {t('nav.signedInAs', { label: me.label, role: me.role })}
          </Text>
          <Anchor component={RouterLink} to="/settings" size="xs" onClick={close} data-testid="time-zone">
            {t('nav.timeZone', { zone: currentTimeZone() })}
          </Anchor>
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main">{children}</AppShell.Main>
    </AppShell>
  );
}
