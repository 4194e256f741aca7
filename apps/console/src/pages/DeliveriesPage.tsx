import { Link, useParams } from 'react-router';
import type { AdminWebhook, Page, WebhookDelivery } from '../api';
import { EmptyState } from '../components/feedback';
import { PagedList } from '../components/PagedList';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { formatDateTime, relativeTime } from '../format';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { useIntegration } from './IntegrationLayout';
import { pageParam } from './IntegrationsPage';
import { NotFoundPage } from './messages';
import { DeliveryStatus, describeAttempt } from './WebhooksTable';

const PAGE_SIZE = 25;

/** One webhook's delivery history: each delivery, its attempts with status code and timing. */
export function DeliveriesPage() {
  const { integration } = useIntegration();
  const { webhookId = '' } = useParams();
  const { api } = useSession();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const webhook = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/webhooks/{webhookId}', { params: { path: { webhookId } } }),
      ) as Promise<AdminWebhook>,
    `webhook:${webhookId}`,
  );
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/webhooks/{webhookId}/deliveries', {
          params: { path: { webhookId }, query: { page, limit: PAGE_SIZE } },
        }),
      ) as Promise<Page<WebhookDelivery>>,
    `deliveries:${webhookId}:${page}`,
  );
  useTitle('Deliveries', webhook.data?.url, integration.name);

  if (
    webhook.error?.status === 404 ||
    (webhook.data?.integrationId !== undefined && webhook.data.integrationId !== integration.id)
  ) {
    return <NotFoundPage what="Webhook" />;
  }

  return (
    <section aria-labelledby="deliveries-title">
      <p className="back">
        <Link to="..">← All webhooks of {integration.name}</Link>
      </p>
      <div className="section-head">
        <h2 id="deliveries-title">Delivery history</h2>
        <button type="button" className="secondary" onClick={list.reload} disabled={list.loading}>
          Refresh
        </button>
      </div>
      {webhook.data !== undefined && (
        <p className="lead">
          Deliveries to <strong className="url">{webhook.data.url}</strong>, newest first, with every attempt.
        </p>
      )}
      <PagedList
        list={list}
        error={webhook.error}
        failed="The deliveries could not be loaded."
        loading="deliveries"
        empty={
          <EmptyState title="No deliveries yet">
            Deliveries appear here when an event this webhook subscribes to happens, or when you send a test.
          </EmptyState>
        }
        noun="deliveries"
        one="delivery"
        onPage={(next) => setParams({ page: String(next) })}
      >
        {(deliveries) => (
          <table className="list" aria-busy={list.loading} data-testid="deliveries-table">
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <TableHead columns={['Created', 'Event', 'Status', 'Attempts', 'Status code and timing']} />
            <tbody>
              {deliveries.map((delivery) => (
                <DeliveryRow key={delivery.id} delivery={delivery} now={now} />
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
    </section>
  );
}

function DeliveryRow(props: { delivery: WebhookDelivery; now: number }) {
  const { delivery, now } = props;
  const last = delivery.attempts.at(-1);
  return (
    <tr>
      <td>
        <RelativeTime iso={delivery.createdAt} now={now} />
      </td>
      <td>
        <code>{delivery.event}</code>
        {delivery.test && <span className="sub"> (test)</span>}
      </td>
      <td>
        <DeliveryStatus status={delivery.status} />
        {delivery.reason !== null && <div className="sub">{delivery.reason}</div>}
        {delivery.nextAttemptAt !== null && delivery.status === 'PENDING' && (
          <div className="sub">next attempt {relativeTime(delivery.nextAttemptAt, now)}</div>
        )}
      </td>
      <td>{delivery.attemptCount}</td>
      <td>
        {last === undefined ? (
          <span className="muted">Not attempted yet</span>
        ) : delivery.attempts.length === 1 ? (
          describeAttempt(last)
        ) : (
          <details>
            <summary>{describeAttempt(last)} (latest)</summary>
            <ol className="attempts">
              {delivery.attempts.map((attempt) => (
                <li key={attempt.at}>
                  {formatDateTime(attempt.at)}: {describeAttempt(attempt)}
                </li>
              ))}
            </ol>
          </details>
        )}
      </td>
    </tr>
  );
}
