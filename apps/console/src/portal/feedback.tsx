import { ErrorAlertIn, LoadingIn } from '../components/Feedback';
import { usePortalI18n } from './i18n';

export function PortalLoading() {
  const { t } = usePortalI18n();
  return <LoadingIn t={t} />;
}

export function PortalError({ error }: { error: unknown }) {
  const { t } = usePortalI18n();
  return <ErrorAlertIn error={error} t={t} />;
}
