import type { EntityType, Page, SyncLogDetail, SyncStatusSummary } from '../api';
import { Badge, EmptyState, ErrorNotice } from '../components/feedback';
import { PagedList } from '../components/PagedList';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { formatDateTime } from '../format';
import type { Resource } from '../hooks';
import { listQuery, useNow, useResource, useTitle, useSearchState } from '../hooks';
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
const NUMBERS = ['Created', 'Updated', 'Failed', 'Records affected'].map((label) => ({
  label,
  className: 'number',
}));
const COLUMNS = ['When', 'Entity', 'Action', 'Status', ...NUMBERS, 'Error'];

function SyncStatus(props: { status: LogStatus }) {
  if (props.status === 'SUCCESS') return <Badge tone="ok">Succeeded</Badge>;
  if (props.status === 'PARTIAL') return <Badge tone="warn">Partly failed</Badge>;
  return <Badge tone="danger">Failed</Badge>;
}

/** The pushes shown: the filters and page in the address, that page of the log, and a way to change them. */
function useSyncLogs(integrationId: string) {
  const { api } = useSession();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const entity = ENTITIES.find((e) => e.value === params.get('entity'))?.value;
  const status = STATUSES.find((s) => s.value === params.get('status'))?.value;
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/sync-logs', {
          params: {
            query: {
              integrationId,
              page,
              limit: PAGE_SIZE,
              ...(entity === undefined ? {} : { entityType: entity }),
              ...(status === undefined ? {} : { status }),
            },
          },
        }),
      ) as Promise<Page<SyncLogDetail>>,
    `sync:${integrationId}:${entity}:${status}:${page}`,
  );
  const show = (next: { entity?: string; status?: string; page?: number }) =>
    setParams(listQuery({ entity: next.entity ?? entity, status: next.status ?? status }, next.page));

  return { entity, status, list, show };
}

/** An integration's pushes: what each did, its counts and errors, filterable; and the record totals. */
export function SyncPage() {
  const { integration } = useIntegration();
  useTitle('Sync history', integration.name);
  const { api } = useSession();
  const now = useNow();
  const totals = useResource(
    () => api.call(() => api.client.GET('/api/v1/admin/sync-status')) as Promise<SyncStatusSummary>,
    'sync-status',
  );
  const { entity, status, list, show } = useSyncLogs(integration.id);
  const filtered = entity !== undefined || status !== undefined;

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
      <SyncTotals totals={totals} />
      <SyncFilters entity={entity} status={status} onChange={(filter) => show({ ...filter, page: 1 })} />
      <PagedList
        list={list}
        failed="The sync history could not be loaded."
        loading="the sync history"
        empty={
          <EmptyState title={filtered ? 'No pushes match' : 'No pushes yet'}>
            {filtered
              ? 'Choose “All” in the filters to see every push.'
              : 'Pushes of suppliers, products and batches with this integration’s tokens appear here.'}
          </EmptyState>
        }
        noun="pushes"
        one="push"
        onPage={(next) => show({ page: next })}
      >
        {(logs) => (
          <SyncTable
            logs={logs}
            caption={`Pushes of ${integration.name}, newest first`}
            busy={list.loading}
            now={now}
          />
        )}
      </PagedList>
    </section>
  );
}

/** The organisation's record totals: every integration's pushes together. */
function SyncTotals(props: { totals: Resource<SyncStatusSummary> }) {
  const { totals } = props;
  const summary = totals.data;
  return (
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
  );
}

function SyncFilters(props: {
  entity: string | undefined;
  status: string | undefined;
  onChange: (filter: { entity?: string; status?: string }) => void;
}) {
  return (
    <div className="filters">
      <FilterSelect
        label="Entity"
        value={props.entity}
        options={ENTITIES.map((e) => ({ value: e.value, label: e.plural }))}
        onChange={(entity) => props.onChange({ entity })}
      />
      <FilterSelect
        label="Status"
        value={props.status}
        options={STATUSES}
        onChange={(status) => props.onChange({ status })}
      />
    </div>
  );
}

function SyncTable(props: { logs: SyncLogDetail[]; caption: string; busy: boolean; now: number }) {
  return (
    <table className="list" aria-busy={props.busy} data-testid="sync-table">
      <caption className="visually-hidden">{props.caption}</caption>
      <TableHead columns={COLUMNS} />
      <tbody>
        {props.logs.map((log) => (
          <SyncRow key={log.id} log={log} now={props.now} />
        ))}
      </tbody>
    </table>
  );
}

function FilterSelect(props: {
  label: string;
  value: string | undefined;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}{' '}
      <select value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">All</option>
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function SyncRow(props: { log: SyncLogDetail; now: number }) {
  const { log } = props;
  return (
    <tr data-sync-id={log.id}>
      <td>
        <RelativeTime iso={log.createdAt} now={props.now} />
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
  );
}
