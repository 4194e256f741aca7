import { useEffect, useMemo, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import type { User } from 'oidc-client-ts';
import { Api } from './api';
import { profileOf } from './auth';
import type { Auth } from './auth';
import { Layout } from './components/Layout';
import { AuditPage } from './pages/AuditPage';
import { DeliveriesPage } from './pages/DeliveriesPage';
import { IntegrationLayout } from './pages/IntegrationLayout';
import { IntegrationsPage } from './pages/IntegrationsPage';
import { NotFoundPage, RefusedPage } from './pages/messages';
import { AccessPage } from './pages/AccessPage';
import { PolicyPage } from './pages/PolicyPage';
import { SettingsPage } from './pages/SettingsPage';
import { SyncPage } from './pages/SyncPage';
import { TokensPage } from './pages/TokensPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { SessionContext } from './session';
import type { Session } from './session';

/** The path inside the console (after `/console`) with its query, to come back to after a sign-in. */
export function consolePath(): string {
  const base = import.meta.env.BASE_URL.replace(/\/$/, '');
  const path = window.location.pathname.startsWith(base)
    ? window.location.pathname.slice(base.length)
    : window.location.pathname;
  return `${path || '/'}${window.location.search}`;
}

/** The signed-in console: its pages, or the refused page once the admin API says the user is no admin. */
export function SignedIn(props: { auth: Auth; user: User }) {
  const { auth } = props;
  const [refusal, setRefusal] = useState<string>();
  const profile = useMemo(() => profileOf(props.user), [props.user]);
  const signOut = () => void auth.signOut();

  const api = useMemo(
    () =>
      new Api({
        accessToken: async () => (await auth.user())?.access_token ?? null,
        renew: async () => (await auth.renew())?.access_token ?? null,
        signInAgain: () => void auth.signIn(consolePath()),
        refused: (message) => setRefusal(message),
      }),
    [auth],
  );
  useEffect(() => auth.onUserLoaded((user) => api.setToken(user.access_token)), [auth, api]);

  if (refusal !== undefined) return <RefusedPage profile={profile} reason={refusal} onSignOut={signOut} />;
  const session: Session = { api, auth, profile, signOut };
  return (
    <SessionContext.Provider value={session}>
      <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, '')}>
        <Layout>
          <Routes>
            <Route path="/" element={<Navigate to="/integrations" replace />} />
            <Route path="/callback" element={<Navigate to="/integrations" replace />} />
            <Route path="/integrations" element={<IntegrationsPage />} />
            <Route path="/integrations/:integrationId" element={<IntegrationLayout />}>
              <Route index element={<Navigate to="tokens" replace />} />
              <Route path="tokens" element={<TokensPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="webhooks/:webhookId" element={<DeliveriesPage />} />
              <Route path="sync" element={<SyncPage />} />
              <Route path="access" element={<AccessPage />} />
              <Route path="settings" element={<SettingsPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
            <Route path="/policy" element={<PolicyPage />} />
            <Route path="/audit-log" element={<AuditPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Layout>
      </BrowserRouter>
    </SessionContext.Provider>
  );
}
