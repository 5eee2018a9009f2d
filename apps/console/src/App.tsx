import { createTheme, MantineProvider } from '@mantine/core';
import { keepPreviousData, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { ApiError, UNAUTHORIZED_EVENT } from './api/client';
import { Loading, PageErrorBoundary } from './components/Feedback';
import { Shell } from './components/Shell';
import { I18nProvider, useI18n, type Language } from './i18n';
import { QueuePage } from './pages/QueuePage';
import { SignInPage } from './pages/SignInPage';
import { useMe } from './me';
import { useSettings } from './settings';
import { setTimeZone } from './time';
import { lazyPage } from './new-build';

// The queue is the home page and loads with the app; the other pages are fetched when first opened.
const NoticePage = lazyPage(() => import('./pages/NoticePage'));
const TasksPage = lazyPage(() => import('./pages/TasksPage'));
const CallbackPage = lazyPage(() => import('./pages/CallbackPage'));
const TerminationsPage = lazyPage(() => import('./pages/TerminationsPage'));
const TerminationPage = lazyPage(() => import('./pages/TerminationPage'));
const CustomersPage = lazyPage(() => import('./customers/CustomersPage'));
const CustomerPage = lazyPage(() => import('./customers/CustomerPage'));
const AuditPage = lazyPage(() => import('./audit/AuditPage'));
const SettingsPage = lazyPage(() => import('./pages/SettingsPage'));
const TransparencyPage = lazyPage(() => import('./transparency/TransparencyPage'));
const OrderIntakePage = lazyPage(() => import('./orders/OrderIntakePage'));
// The customer's portal: its own layout, token and words, fetched only by customers.
const PortalApp = lazyPage(() => import('./portal/PortalApp'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Old data stays on screen while a refetch runs: no spinner on every refresh.
      placeholderData: keepPreviousData,
      staleTime: 5_000,
      // A 4xx will not change on a retry.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

// Shade 8: white text on the default shade 6 misses WCAG AA contrast (axe checks it).
const clearCache = () => queryClient.clear();

const theme = createTheme({ primaryColor: 'indigo', primaryShade: 8, defaultRadius: 'sm' });

/** A 401 from any call: back to sign-in, which says why. */
function SignOutOnUnauthorized() {
  const navigate = useNavigate();
  useEffect(() => {
    const onUnauthorized = () => {
      queryClient.clear();
      navigate('/sign-in', { replace: true });
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [navigate]);
  return null;
}

/** The language the person picked is applied once their settings are in (the switch keeps it current after). */
function useStoredLanguage(language: Language | null | undefined) {
  const { setLanguage } = useI18n();
  useEffect(() => {
    if (language) setLanguage(language);
  }, [language, setLanguage]);
}

function SignedIn() {
  const me = useMe();
  const settings = useSettings();
  const location = useLocation();
  useStoredLanguage(settings.data?.language);
  if (!me.data || !settings.data) return <Loading />;
  // Before anything renders a time: every page shows times in the person's zone.
  setTimeZone(settings.data.timeZone);
  const areas = new Set(me.data.areas);
  return (
    <Shell me={me.data}>
      <PageErrorBoundary resetKey={location.pathname}>
        <Suspense fallback={<Loading />}>
          <Routes>
            {areas.has('queue') && <Route index element={<QueuePage />} />}
            {areas.has('queue') && <Route path="notices/:id" element={<NoticePage />} />}
            {areas.has('tasks') && <Route path="tasks" element={<TasksPage />} />}
            {areas.has('orders') && <Route path="orders/new" element={<OrderIntakePage />} />}
            {areas.has('customers') && <Route path="customers" element={<CustomersPage />} />}
            {areas.has('customers') && <Route path="customers/:id" element={<CustomerPage />} />}
            {areas.has('terminations') && <Route path="terminations" element={<TerminationsPage />} />}
            {areas.has('terminations') && <Route path="terminations/:id" element={<TerminationPage />} />}
            {areas.has('transparency') && <Route path="transparency" element={<TransparencyPage />} />}
            {areas.has('audit') && <Route path="audit" element={<AuditPage />} />}
            <Route path="settings" element={<SettingsPage />} />
            <Route path="*" element={<Navigate to={areas.has('queue') ? '/' : '/tasks'} replace />} />
          </Routes>
        </Suspense>
      </PageErrorBoundary>
    </Shell>
  );
}

export function App() {
  return (
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <BrowserRouter basename="/console">
            <SignOutOnUnauthorized />
            <Routes>
              <Route path="/sign-in" element={<SignInPage onSignedIn={clearCache} />} />
              <Route
                path="/callback"
                element={
                  <Suspense fallback={<Loading />}>
                    <CallbackPage onSignedIn={clearCache} />
                  </Suspense>
                }
              />
              <Route
                path="/portal/*"
                element={
                  <Suspense fallback={<Loading />}>
                    <PortalApp />
                  </Suspense>
                }
              />
              <Route path="/*" element={<SignedIn />} />
            </Routes>
          </BrowserRouter>
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
