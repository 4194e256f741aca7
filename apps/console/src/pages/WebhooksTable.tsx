import { Link } from 'react-router';
import type { AdminWebhook } from '../api';
import { Badge } from '../components/feedback';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { ALL_EVENTS } from './AddWebhookDialog';

export function DeliveryStatus(props: { status: string }) {
  switch (props.status) {
    case 'DELIVERED':
      return <Badge tone="ok">Delivered</Badge>;
    case 'FAILED':
      return <Badge tone="danger">Failed</Badge>;
    case 'PENDING':
      return <Badge tone="info">Pending</Badge>;
    default:
      return <Badge tone="muted">Skipped</Badge>;
  }
}

/** "HTTP 200 in 35 ms", "no answer (timeout) after 10,000 ms". */
export function describeAttempt(attempt: {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}): string {
  const time = `${attempt.durationMs.toLocaleString('en-GB')} ms`;
  if (attempt.statusCode !== null) return `HTTP ${attempt.statusCode} in ${time}`;
  return `no answer${attempt.error === null ? '' : ` (${attempt.error})`} after ${time}`;
}

function WebhookState(props: { webhook: AdminWebhook }) {
  const { webhook } = props;
  if (webhook.active) return <Badge tone="ok">Active</Badge>;
  if (webhook.disabledAt !== null) return <Badge tone="danger">Disabled</Badge>;
  return <Badge tone="muted">Paused</Badge>;
}

/** What the row's buttons do; `sending` and `disabled` while a test or re-enable runs. */
export interface WebhookRowActions {
  busy: boolean;
  sending: (webhook: AdminWebhook) => boolean;
  run: (webhook: AdminWebhook, what: 'test' | 'enable') => void;
  askToDelete: (webhook: AdminWebhook) => void;
}

/** The webhooks of one page of the list. */
export function WebhooksTable(props: {
  webhooks: AdminWebhook[];
  caption: string;
  loading: boolean;
  now: number;
  actions: WebhookRowActions;
}) {
  return (
    <table className="list" aria-busy={props.loading} data-testid="webhooks-table">
      <caption className="visually-hidden">{props.caption}</caption>
      <TableHead columns={['URL', 'Events', 'State', 'Failures in a row', 'Last delivery']} actions />
      <tbody>
        {props.webhooks.map((webhook) => (
          <WebhookRow key={webhook.id} webhook={webhook} now={props.now} actions={props.actions} />
        ))}
      </tbody>
    </table>
  );
}

function WebhookRow(props: { webhook: AdminWebhook; now: number; actions: WebhookRowActions }) {
  const { webhook, actions } = props;
  const last = webhook.lastDelivery;
  return (
    <tr className={webhook.active ? undefined : 'ended'} data-webhook-id={webhook.id}>
      <th scope="row" className="url">
        {webhook.url}
      </th>
      <td>
        {webhook.events.length === ALL_EVENTS.length ? (
          `All ${ALL_EVENTS.length} events`
        ) : (
          <ul className="chips">
            {webhook.events.map((event) => (
              <li key={event}>{event}</li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <WebhookState webhook={webhook} />
        {webhook.disabledReason !== null && <div className="sub">{webhook.disabledReason}</div>}
      </td>
      <td>{webhook.consecutiveFailures}</td>
      <td>
        {last === null ? (
          <span className="muted">None yet</span>
        ) : (
          <>
            <DeliveryStatus status={last.status} /> <RelativeTime iso={last.createdAt} now={props.now} />
            {last.lastAttempt !== null && <div className="sub">{describeAttempt(last.lastAttempt)}</div>}
          </>
        )}
      </td>
      <td>
        <div className="row-actions">
          <Link to={webhook.id} aria-label={`Deliveries of ${webhook.url}`}>
            Deliveries
          </Link>
          <button
            type="button"
            className="secondary small"
            disabled={actions.busy}
            aria-label={`Send test to ${webhook.url}`}
            onClick={() => actions.run(webhook, 'test')}
          >
            {actions.sending(webhook) ? 'Sending…' : 'Send test'}
          </button>
          {!webhook.active && (
            <button
              type="button"
              className="secondary small"
              disabled={actions.busy}
              aria-label={`Re-enable the webhook to ${webhook.url}`}
              onClick={() => actions.run(webhook, 'enable')}
            >
              Re-enable
            </button>
          )}
          <button
            type="button"
            className="danger-outline small"
            aria-label={`Delete the webhook to ${webhook.url}`}
            onClick={() => actions.askToDelete(webhook)}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}
