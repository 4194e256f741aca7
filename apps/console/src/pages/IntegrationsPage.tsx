import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Integration, Page } from '../api';
import { Badge, EmptyState } from '../components/feedback';
import { PagedList } from '../components/PagedList';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { CreateIntegrationDialog } from './CreateIntegrationDialog';

const PAGE_SIZE = 20;

export function pageParam(params: URLSearchParams): number {
  const page = Number(params.get('page'));
  return Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1;
}

export function IntegrationStatus(props: { status: Integration['status'] }) {
  return props.status === 'ACTIVE' ? <Badge tone="ok">Active</Badge> : <Badge tone="danger">Inactive</Badge>;
}

/** Integrations: one per ERP system, with how many of its tokens work and when one was last used. */
export function IntegrationsPage() {
  useTitle('Integrations');
  const { api } = useSession();
  const navigate = useNavigate();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const [creating, setCreating] = useState(false);
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/integrations', { params: { query: { page, limit: PAGE_SIZE } } }),
      ) as Promise<Page<Integration>>,
    `integrations:${page}`,
  );

  return (
    <section>
      <div className="page-head">
        <h1 tabIndex={-1}>Integrations</h1>
        <button type="button" onClick={() => setCreating(true)}>
          New integration
        </button>
      </div>
      <p className="lead">
        An integration stands for one ERP system of your organisation. It holds the API tokens that system
        calls the Integration API with, the webhooks that tell it about changes, and its sync history.
      </p>
      <PagedList
        list={list}
        failed="The integrations could not be loaded."
        loading="integrations"
        empty={
          <EmptyState
            title="No integrations yet"
            action={{ label: 'Create your first integration', onClick: () => setCreating(true) }}
          >
            Create one for each ERP system that will push suppliers, products and batches, then generate its
            API token.
          </EmptyState>
        }
        noun="integrations"
        one="integration"
        onPage={(next) => setParams({ page: String(next) })}
      >
        {(integrations) => (
          <table className="list" aria-busy={list.loading}>
            <caption className="visually-hidden">Integrations of your organisation</caption>
            <TableHead columns={['Name', 'Status', 'Tokens', 'Last used', 'Created']} />
            <tbody>
              {integrations.map((integration) => (
                <IntegrationRow key={integration.id} integration={integration} now={now} />
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
      {creating && (
        <CreateIntegrationDialog
          onClose={() => setCreating(false)}
          onCreated={(integration) => void navigate(`/integrations/${integration.id}/tokens`)}
        />
      )}
    </section>
  );
}

function IntegrationRow(props: { integration: Integration; now: number }) {
  const { integration, now } = props;
  return (
    <tr className={integration.status === 'INACTIVE' ? 'inactive' : undefined}>
      <td>
        <Link to={`/integrations/${integration.id}/tokens`}>{integration.name}</Link>
        {integration.description !== '' && <div className="sub">{integration.description}</div>}
      </td>
      <td>
        <IntegrationStatus status={integration.status} />
      </td>
      <td>
        {integration.tokenCount === 0
          ? 'None yet'
          : `${integration.activeTokenCount} active of ${integration.tokenCount}`}
      </td>
      <td>
        {integration.lastUsedAt === null ? (
          <span className="muted">Never used</span>
        ) : (
          <RelativeTime iso={integration.lastUsedAt} now={now} />
        )}
      </td>
      <td>
        <RelativeTime iso={integration.createdAt} now={now} />
      </td>
    </tr>
  );
}
