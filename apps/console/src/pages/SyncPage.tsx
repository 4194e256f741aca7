import type { EntityType, Page, SyncLogDetail, SyncStatusSummary } from '../api';
import { Badge, EmptyState, ErrorNotice, Loading } from '../components/feedback';
import { Pager } from '../components/Pager';
import { formatDateTime, relativeTime } from '../format';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { useIntegration } from './IntegrationLayout';
import { pageParam } from './IntegrationsPage';

const PAGE_SIZE = 25;
const ENTITIES: { value: EntityType; label: string; plural: string; total: keyof SyncStatusSummary }[] = [
  { value: 'SUPPLIER', label: 'Supplier', plural: 'Suppliers', total: 'suppliers' },
  { value: 'PRODUCT', label: 'Product', plural: 'Products', total: 'products' },
  { value: 'BATCH', label: 'Batch', plural: 'Batches', total: 'batches' },
];
const STATUSES = [
  { value: 'SUCCESS', label: 'Succeeded' },
  { value: 'PARTIAL', label: 'Partly failed' },
  { value: 'ERROR', label: 'Failed' },
] as const;
type LogStatus = (typeof STATUSES)[number]['value'];

function SyncStatus(props: { status: LogStatus }) {
  if (props.status === 'SUCCESS') return <Badge tone="ok">Succeeded</Badge>;
  if (props.status === 'PARTIAL') return <Badge tone="warn">Partly failed</Badge>;
  return <Badge tone="danger">Failed</Badge>;
}

/** An integration's pushes: what each did, its counts and errors, filterable; and the record totals. */
export function SyncPage() {
  const { integration } = useIntegration();
  useTitle('Sync history', integration.name);
  const { api } = useSession();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const entity = ENTITIES.find((e) => e.value === params.get('entity'))?.value;
  const status = STATUSES.find((s) => s.value === params.get('status'))?.value;

  const totals = useResource(
    () => api.call(() => api.client.GET('/api/v1/admin/sync-status')) as Promise<SyncStatusSummary>,
    'sync-status',
  );
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/sync-logs', {
          params: {
            query: {
              integrationId: integration.id,
              page,
              limit: PAGE_SIZE,
              ...(entity === undefined ? {} : { entityType: entity }),
              ...(status === undefined ? {} : { status }),
            },
          },
        }),
      ) as Promise<Page<SyncLogDetail>>,
    `sync:${integration.id}:${entity}:${status}:${page}`,
  );

  const summary = totals.data;

  function show(next: { entity?: string; status?: string; page?: number }) {
    const query = new URLSearchParams();
    const e = next.entity ?? entity ?? '';
    const s = next.status ?? status ?? '';
    if (e !== '') query.set('entity', e);
    if (s !== '') query.set('status', s);
    if ((next.page ?? 1) > 1) query.set('page', String(next.page));
    setParams(query);
  }

  return (
    <section aria-labelledby="sync-title">
      <div className="section-head">
        <h2 id="sync-title">Sync history</h2>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            list.reload();
            totals.reload();
          }}
          disabled={list.loading}
        >
          Refresh
        </button>
      </div>
      <p className="lead">
        Every bulk push of this integration, newest first, with what it created, updated and failed.
      </p>

      <section aria-labelledby="totals-title" className="totals">
        <h3 id="totals-title">Records of your organisation</h3>
        <ErrorNotice error={totals.error} title="The totals could not be loaded." onRetry={totals.reload} />
        {summary !== undefined && (
          <dl className="cards">
            {ENTITIES.map((e) => (
              <div key={e.value}>
                <dt>{e.plural}</dt>
                <dd data-testid={`total-${e.total}`}>{summary[e.total].total.toLocaleString('en-GB')}</dd>
              </div>
            ))}
          </dl>
        )}
        <p className="hint">
          All integrations of your organisation together: records belong to the organisation.
        </p>
      </section>

      <div className="filters">
        <label>
          Entity{' '}
          <select value={entity ?? ''} onChange={(e) => show({ entity: e.target.value, page: 1 })}>
            <option value="">All</option>
            {ENTITIES.map((e) => (
              <option key={e.value} value={e.value}>
                {e.plural}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={status ?? ''} onChange={(e) => show({ status: e.target.value, page: 1 })}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <ErrorNotice error={list.error} title="The sync history could not be loaded." onRetry={list.reload} />
      {list.loading && list.data === undefined && <Loading what="the sync history" />}
      {list.data !== undefined && list.data.total === 0 && (
        <EmptyState
          title={entity === undefined && status === undefined ? 'No pushes yet' : 'No pushes match'}
        >
          {entity === undefined && status === undefined
            ? 'Pushes of suppliers, products and batches with this integration’s tokens appear here.'
            : 'Choose “All” in the filters to see every push.'}
        </EmptyState>
      )}
      {list.data !== undefined && list.data.total > 0 && (
        <>
          <table className="list" aria-busy={list.loading} data-testid="sync-table">
            <caption className="visually-hidden">Pushes of {integration.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Entity</th>
                <th scope="col">Action</th>
                <th scope="col">Status</th>
                <th scope="col" className="number">
                  Created
                </th>
                <th scope="col" className="number">
                  Updated
                </th>
                <th scope="col" className="number">
                  Failed
                </th>
                <th scope="col" className="number">
                  Records affected
                </th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((log) => (
                <tr key={log.id} data-sync-id={log.id}>
                  <td>
                    <time dateTime={log.createdAt} title={formatDateTime(log.createdAt)}>
                      {relativeTime(log.createdAt, now)}
                    </time>
                    <div className="sub nowrap">{formatDateTime(log.createdAt)}</div>
                  </td>
                  <td>{ENTITIES.find((e) => e.value === log.entityType)?.label ?? log.entityType}</td>
                  <td>{log.action === 'UPSERT' ? 'Bulk upsert' : log.action}</td>
                  <td>
                    <SyncStatus status={log.status} />
                  </td>
                  <td className="number">{log.created}</td>
                  <td className="number">{log.updated}</td>
                  <td className="number">{log.failed}</td>
                  <td className="number">{log.recordsAffected}</td>
                  <td>
                    {log.error === null ? (
                      <span className="muted">None</span>
                    ) : log.errors.length === 0 ? (
                      log.error
                    ) : (
                      <details>
                        <summary>{log.error}</summary>
                        <ul className="details">
                          {log.errors.map((e, i) => (
                            <li key={`${e.externalId}:${i}`}>
                              <code>{e.externalId === '' ? '(no externalId)' : e.externalId}</code>: {e.error}
                            </li>
                          ))}
                        </ul>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={list.data.page}
            limit={list.data.limit}
            total={list.data.total}
            noun="pushes"
            one="push"
            onPage={(next) => show({ page: next })}
          />
        </>
      )}
    </section>
  );
}
