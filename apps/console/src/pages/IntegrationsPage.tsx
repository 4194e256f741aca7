import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Integration, Page } from '../api';
import { ApiError, NETWORK_ERROR } from '../api';
import { Dialog } from '../components/Dialog';
import { Badge, EmptyState, ErrorNotice, Loading } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { Pager } from '../components/Pager';
import { formatDateTime, relativeTime } from '../format';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';

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
      <ErrorNotice error={list.error} title="The integrations could not be loaded." onRetry={list.reload} />
      {list.loading && list.data === undefined && <Loading what="integrations" />}
      {list.data !== undefined && list.data.total === 0 && (
        <EmptyState
          title="No integrations yet"
          action={
            <button type="button" onClick={() => setCreating(true)}>
              Create your first integration
            </button>
          }
        >
          Create one for each ERP system that will push suppliers, products and batches, then generate its API
          token.
        </EmptyState>
      )}
      {list.data !== undefined && list.data.total > 0 && (
        <>
          <table className="list" aria-busy={list.loading}>
            <caption className="visually-hidden">Integrations of your organisation</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Tokens</th>
                <th scope="col">Last used</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((integration) => (
                <tr
                  key={integration.id}
                  className={integration.status === 'INACTIVE' ? 'inactive' : undefined}
                >
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
                      <time dateTime={integration.lastUsedAt} title={formatDateTime(integration.lastUsedAt)}>
                        {relativeTime(integration.lastUsedAt, now)}
                      </time>
                    )}
                  </td>
                  <td>
                    <time dateTime={integration.createdAt} title={formatDateTime(integration.createdAt)}>
                      {relativeTime(integration.createdAt, now)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={list.data.page}
            limit={list.data.limit}
            total={list.data.total}
            noun="integrations"
            one="integration"
            onPage={(next) => setParams({ page: String(next) })}
          />
        </>
      )}
      {creating && (
        <CreateIntegrationDialog
          onClose={() => setCreating(false)}
          onCreated={(integration) => void navigate(`/integrations/${integration.id}/tokens`)}
        />
      )}
    </section>
  );
}

function CreateIntegrationDialog(props: {
  onClose: () => void;
  onCreated: (integration: Integration) => void;
}) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [nameMissing, setNameMissing] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (name.trim() === '') {
      setNameMissing(true);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.call(() =>
        api.client.POST('/api/v1/admin/integrations', {
          body: {
            name,
            ...(description.trim() === '' ? {} : { description }),
            ...(rateLimit.trim() === '' ? {} : { rateLimitPerMinute: Number(rateLimit) }),
          },
        }),
      );
      props.onCreated(created);
    } catch (err) {
      setError(err instanceof ApiError ? err : NETWORK_ERROR);
      setBusy(false);
    }
  }

  return (
    <Dialog title="New integration" onClose={props.onClose} locked={busy}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ErrorNotice error={error} />
        <Field
          label="Name"
          hint="The ERP system and, if you run several, its environment: “SAP ERP production”."
          error={nameMissing ? 'Enter a name.' : fieldError(error?.fields, 'name')}
        >
          {(control) => (
            <input
              {...control}
              value={name}
              maxLength={100}
              required
              autoFocus
              onChange={(e) => {
                setName(e.target.value);
                setNameMissing(false);
              }}
            />
          )}
        </Field>
        <Field label="Description" optional error={fieldError(error?.fields, 'description')}>
          {(control) => (
            <textarea
              {...control}
              value={description}
              maxLength={1000}
              rows={3}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Rate limit (requests per minute per token)"
          optional
          hint="Leave empty for the platform default of 100. From 1 to 100,000."
          error={fieldError(error?.fields, 'rateLimitPerMinute')}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={100000}
              value={rateLimit}
              onChange={(e) => setRateLimit(e.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <button type="button" className="secondary" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create integration'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
