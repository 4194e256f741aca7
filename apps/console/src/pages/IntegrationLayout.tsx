import { useState } from 'react';
import { Link, NavLink, Outlet, useOutletContext, useParams } from 'react-router';
import type { Integration } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice, Loading, Warning } from '../components/feedback';
import { formatDate } from '../format';
import { useResource, useTitle } from '../hooks';
import { useSession } from '../session';
import { IntegrationStatus } from './IntegrationsPage';
import { NotFoundPage } from './messages';

/** What the tabs of an integration share: the integration, and a way to reload it after a change. */
export interface IntegrationContext {
  integration: Integration;
  reload: () => void;
}

export const useIntegration = () => useOutletContext<IntegrationContext>();

/** One integration: its name and state, deactivation, and the tabs for tokens, webhooks, sync, settings. */
export function IntegrationLayout() {
  const { integrationId = '' } = useParams();
  const { api } = useSession();
  const [confirming, setConfirming] = useState(false);
  const resource = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/integrations/{integrationId}', {
          params: { path: { integrationId } },
        }),
      ),
    integrationId,
  );
  const integration = resource.data;
  useTitle(integration?.name);

  if (resource.error?.status === 404 || resource.error?.code === 'VALIDATION_ERROR') {
    return <NotFoundPage what="Integration" />;
  }
  if (integration === undefined) {
    return resource.error !== undefined ? (
      <ErrorNotice
        error={resource.error}
        title="The integration could not be loaded."
        onRetry={resource.reload}
      />
    ) : (
      <Loading what="the integration" />
    );
  }
  async function setStatus(status: Integration['status']) {
    await api.call(() =>
      api.client.PATCH('/api/v1/admin/integrations/{integrationId}', {
        params: { path: { integrationId } },
        body: { status },
      }),
    );
    resource.reload();
  }

  return (
    <section>
      <IntegrationHeader integration={integration} onToggle={() => setConfirming(true)} />
      {integration.status === 'INACTIVE' && (
        <Warning>
          This integration is inactive: every one of its tokens is refused with 403 INTEGRATION_INACTIVE, and
          its webhooks receive no events. Reactivate it to let its tokens work again.
        </Warning>
      )}
      <nav aria-label="Integration sections" className="tabs">
        <NavLink to="tokens">API tokens</NavLink>
        <NavLink to="webhooks">Webhooks</NavLink>
        <NavLink to="sync">Sync history</NavLink>
        <NavLink to="access">IP allowlist</NavLink>
        <NavLink to="settings">Settings</NavLink>
      </nav>
      <Outlet context={{ integration, reload: resource.reload } satisfies IntegrationContext} />
      {confirming && (
        <StatusDialog integration={integration} onConfirm={setStatus} onClose={() => setConfirming(false)} />
      )}
    </section>
  );
}

/** The breadcrumb, the name with its state, what it is, and the button that deactivates or reactivates it. */
function IntegrationHeader(props: { integration: Integration; onToggle: () => void }) {
  const { integration } = props;
  const active = integration.status === 'ACTIVE';
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/integrations">Integrations</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{integration.name}</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>
            {integration.name} <IntegrationStatus status={integration.status} />
          </h1>
          {integration.description !== '' && <p className="lead">{integration.description}</p>}
          <p className="meta">
            {integration.id} · created {formatDate(integration.createdAt)} by {integration.createdBy} ·{' '}
            {integration.rateLimitPerMinute.toLocaleString('en-GB')} requests per minute per token
          </p>
        </div>
        <button type="button" className={active ? 'danger-outline' : 'primary'} onClick={props.onToggle}>
          {active ? 'Deactivate' : 'Reactivate'}
        </button>
      </div>
    </>
  );
}

/** Deactivating stops every token at once; reactivating lets the live ones work again. */
function StatusDialog(props: {
  integration: Integration;
  onConfirm: (status: Integration['status']) => Promise<void>;
  onClose: () => void;
}) {
  const { name } = props.integration;
  const active = props.integration.status === 'ACTIVE';
  return (
    <ConfirmDialog
      title={active ? `Deactivate “${name}”?` : `Reactivate “${name}”?`}
      confirmLabel={active ? 'Deactivate integration' : 'Reactivate integration'}
      danger={active}
      onConfirm={() => props.onConfirm(active ? 'INACTIVE' : 'ACTIVE')}
      onClose={props.onClose}
    >
      {active ? (
        <>
          <p>
            <strong>Every token of this integration stops working at once:</strong> each request is refused
            with 403 INTEGRATION_INACTIVE, on every service, within about a second.
          </p>
          <p>
            The tokens are not revoked, and nothing is deleted. While it is inactive its webhooks receive no
            events. Reactivate it at any time to let its tokens work again.
          </p>
        </>
      ) : (
        <p>
          Its tokens that are neither revoked nor expired will work again within about a second, and its
          webhooks receive events again.
        </p>
      )}
    </ConfirmDialog>
  );
}
