import { useQueryClient } from '@tanstack/react-query';
import { Suspense, useCallback, useEffect, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { PageErrorBoundary } from '../components/Feedback';
import { PORTAL_UNAUTHORIZED_EVENT } from './api';
import { PortalLoading } from './feedback';
import { PortalI18nProvider } from './i18n';
import { PortalLayout } from './PortalLayout';
import { PortalSignIn } from './PortalSignIn';
import './portal.css';
import { portalSession } from './session';
import { lazyPage } from '../new-build';

const OpenNoticesPage = lazyPage(() => import('./OpenNoticesPage'));
const HistoryPage = lazyPage(() => import('./HistoryPage'));
const StandingPage = lazyPage(() => import('./StandingPage'));
const StatementsPage = lazyPage(() => import('./StatementsPage'));

/**
 * The customer's portal under /console/portal: its own layout (no staff navigation), its own token and words.
 * Every portal route shows the sign-in until a customer token is held, and a `?link=` from an email until it is
 * exchanged (on the customer's press, never on load).
 */
function Portal() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();
  const link = params.get('link');
  const [token, setToken] = useState(() => portalSession.token());

  const signedIn = useCallback(() => {
    client.removeQueries({ queryKey: ['portal'] });
    setToken(portalSession.token());
    // The link is used up: off the address bar, so a reload does not offer it again.
    navigate('/portal', { replace: true });
  }, [client, navigate]);
  const signOut = useCallback(() => {
    portalSession.signOut();
    client.removeQueries({ queryKey: ['portal'] });
    setToken(null);
  }, [client]);

  useEffect(() => {
    const onUnauthorized = () => {
      client.removeQueries({ queryKey: ['portal'] });
      setToken(null);
    };
    window.addEventListener(PORTAL_UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(PORTAL_UNAUTHORIZED_EVENT, onUnauthorized);
  }, [client]);

  if (link || !token) return <PortalSignIn link={link} onSignedIn={signedIn} />;
  return (
    <PortalLayout onSignOut={signOut}>
      <PageErrorBoundary resetKey={location.pathname}>
        <Suspense fallback={<PortalLoading />}>
          <Routes>
            <Route index element={<OpenNoticesPage />} />
            <Route path="history" element={<HistoryPage />} />
            <Route path="standing" element={<StandingPage />} />
            <Route path="statements" element={<StatementsPage />} />
            <Route path="*" element={<Navigate to="/portal" replace />} />
          </Routes>
        </Suspense>
      </PageErrorBoundary>
    </PortalLayout>
  );
}

export default function PortalApp() {
  return (
    <PortalI18nProvider>
      <Portal />
    </PortalI18nProvider>
  );
}
