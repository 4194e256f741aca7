import { Link } from 'react-router';
import type { AuditEntry, Page } from '../api';
import { EmptyState } from '../components/feedback';
import { PagedList } from '../components/PagedList';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { formatDateTime } from '../format';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { pageParam } from './IntegrationsPage';

const PAGE_SIZE = 25;

const ACTIONS: Record<string, string> = {
  'integration.created': 'Created integration',
  'integration.updated': 'Changed integration',
  'token.created': 'Generated token',
  'token.revoked': 'Revoked token',
  'token.rotated': 'Rotated token',
  'token.leaked': 'Revoked leaked token',
  'policy.updated': 'Changed token policy',
};

const LABELS: Record<string, string> = {
  name: 'name',
  description: 'description',
  status: 'status',
  rateLimitPerMinute: 'rate limit',
  scopes: 'scopes',
  expiresAt: 'expires',
  integrationId: 'integration',
  allowedAddresses: 'IP allowlist',
  maxTokenLifetimeDays: 'maximum lifetime (days)',
  requireExpiry: 'expiry required',
  defaultTokenLifetimeDays: 'default lifetime (days)',
  affectedTokenCount: 'tokens it blocks',
  rotatedFrom: 'rotated from',
  rotatedTo: 'replaced by',
  gracePeriodSeconds: 'grace period (seconds)',
  graceEndsAt: 'old token works until',
  url: 'found at',
  source: 'found in',
  reporter: 'reported by',
};

/** A value of an entry's details in words: lists joined, changes as "from → to", dates readable. */
function describe(value: unknown, key?: string): string {
  if (value === null || value === undefined)
    return key === 'rateLimitPerMinute' ? 'platform default' : 'none';
  if (Array.isArray(value))
    return value.length === 0 ? 'none' : value.map((item) => describe(item)).join(', ');
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('from' in record && 'to' in record) {
      return `${describe(record['from'], key)} → ${describe(record['to'], key)}`;
    }
    return Object.entries(record)
      .map(([k, v]) => `${LABELS[k] ?? k}: ${describe(v, k)}`)
      .join('; ');
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(value);
  return String(value);
}

function Details(props: { details: Record<string, unknown> }) {
  const entries = Object.entries(props.details).filter(([key]) => key !== 'integrationId');
  const changes = props.details['changes'];
  const shown =
    typeof changes === 'object' && changes !== null
      ? Object.entries(changes as Record<string, unknown>)
      : entries;
  if (shown.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="details">
      {shown.map(([key, value]) => (
        <li key={key}>
          <span className="muted">{LABELS[key] ?? key}:</span> {describe(value, key)}
        </li>
      ))}
    </ul>
  );
}

function Target(props: { entry: AuditEntry }) {
  const { entry } = props;
  if (entry.targetType === 'policy') return <>Token policy</>;
  const details = entry.details as Record<string, unknown>;
  const integrationId =
    entry.targetType === 'integration'
      ? entry.targetId
      : typeof details['integrationId'] === 'string'
        ? details['integrationId']
        : undefined;
  return (
    <>
      {entry.targetType === 'token' ? 'Token ' : 'Integration '}
      {integrationId === undefined ? (
        <code>{entry.targetId}</code>
      ) : (
        <Link to={`/integrations/${integrationId}/tokens`}>
          <code>{entry.targetId}</code>
        </Link>
      )}
    </>
  );
}

/** The organisation's audit log: who changed which integration or token, when. */
export function AuditPage() {
  useTitle('Audit log');
  const { api, profile } = useSession();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/audit-log', { params: { query: { page, limit: PAGE_SIZE } } }),
      ) as Promise<Page<AuditEntry>>,
    `audit:${page}`,
  );

  return (
    <section>
      <h1 tabIndex={-1}>Audit log</h1>
      <p className="lead">
        Every change an admin of your organisation made to integrations and tokens, newest first.
      </p>
      <PagedList
        list={list}
        failed="The audit log could not be loaded."
        loading="the audit log"
        empty={
          <EmptyState title="Nothing yet">Changes to integrations and tokens will be listed here.</EmptyState>
        }
        noun="entries"
        one="entry"
        onPage={(next) => setParams({ page: String(next) })}
      >
        {(entries) => (
          <table className="list" aria-busy={list.loading}>
            <caption className="visually-hidden">Audit log entries</caption>
            <TableHead columns={['When', 'Who', 'What', 'Target', 'Details']} />
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <RelativeTime iso={entry.at} now={now} />
                    <div className="sub">{formatDateTime(entry.at)}</div>
                  </td>
                  <td>
                    {entry.actor}
                    {entry.actor === profile.sub && <span className="sub"> (you)</span>}
                  </td>
                  <td>{ACTIONS[entry.action] ?? entry.action}</td>
                  <td>
                    <Target entry={entry} />
                  </td>
                  <td>
                    <Details details={entry.details as Record<string, unknown>} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
    </section>
  );
}
