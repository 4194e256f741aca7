import { useState } from 'react';
import { Link } from 'react-router';
import type { AdminCreatedWebhook, AdminWebhook, Page, WebhookEventType, WebhookTestResult } from '../api';
import { ApiError, NETWORK_ERROR } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CopyField } from '../components/CopyField';
import { Dialog } from '../components/Dialog';
import { Badge, EmptyState, ErrorNotice, Loading, Success, Warning } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { Pager } from '../components/Pager';
import { formatDateTime, relativeTime } from '../format';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { useIntegration } from './IntegrationLayout';
import { pageParam } from './IntegrationsPage';

const PAGE_SIZE = 20;
/** What the dialog after an add shows: where, and the secret (this once). */
type CreatedSecret = Pick<AdminCreatedWebhook, 'url' | 'secret'>;

/** The events a subscription can receive, by what they are about. */
export const EVENT_GROUPS: { label: string; events: WebhookEventType[] }[] = [
  { label: 'Suppliers', events: ['supplier.created', 'supplier.updated', 'supplier.deleted'] },
  { label: 'Products', events: ['product.created', 'product.updated', 'product.deleted'] },
  { label: 'Batches', events: ['batch.created', 'batch.updated', 'batch.deleted'] },
  { label: 'Sync', events: ['sync.completed', 'sync.failed'] },
  { label: 'Due diligence statements', events: ['dds.status_changed', 'dds.submitted', 'dds.approved'] },
];
const ALL_EVENTS = EVENT_GROUPS.flatMap((g) => g.events);

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

/** An integration's webhooks: where events go, how delivery goes, test, re-enable, delete. */
export function WebhooksPage() {
  const { integration } = useIntegration();
  useTitle('Webhooks', integration.name);
  const { api } = useSession();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<CreatedSecret>();
  const [deleting, setDeleting] = useState<AdminWebhook>();
  const [busy, setBusy] = useState<string>();
  const [outcome, setOutcome] = useState<{
    webhook: AdminWebhook;
    result?: WebhookTestResult;
    note?: string;
  }>();
  const [error, setError] = useState<ApiError>();

  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/webhooks', {
          params: { query: { integrationId: integration.id, page, limit: PAGE_SIZE } },
        }),
      ) as Promise<Page<AdminWebhook>>,
    `webhooks:${integration.id}:${page}`,
  );

  async function run(webhook: AdminWebhook, what: 'test' | 'enable') {
    setBusy(`${what}:${webhook.id}`);
    setError(undefined);
    setOutcome(undefined);
    try {
      if (what === 'test') {
        const result = await api.call(() =>
          api.client.POST('/api/v1/admin/webhooks/{webhookId}/test', {
            params: { path: { webhookId: webhook.id } },
          }),
        );
        setOutcome({ webhook, result });
      } else {
        await api.call(() =>
          api.client.PATCH('/api/v1/admin/webhooks/{webhookId}', {
            params: { path: { webhookId: webhook.id } },
            body: { active: true },
          }),
        );
        setOutcome({
          webhook,
          note: 'Re-enabled: it receives events again, and its failure count starts at 0.',
        });
      }
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : NETWORK_ERROR);
    } finally {
      setBusy(undefined);
    }
  }

  async function remove(webhook: AdminWebhook) {
    await api.call(() =>
      api.client.DELETE('/api/v1/admin/webhooks/{webhookId}', {
        params: { path: { webhookId: webhook.id } },
      }),
    );
    setOutcome({ webhook, note: 'Deleted. It receives no more events.' });
    list.reload();
  }

  return (
    <section aria-labelledby="webhooks-title">
      <div className="section-head">
        <h2 id="webhooks-title">Webhooks</h2>
        <button type="button" onClick={() => setAdding(true)}>
          Add webhook
        </button>
      </div>
      <p className="lead">
        The platform sends each chosen event of this integration to your URL as a signed POST, and retries
        after 1 s, 5 s and 30 s. After 10 failures in a row a webhook is disabled until you re-enable it.
      </p>
      <ErrorNotice error={error} title="That did not work." />
      {outcome?.result !== undefined && <TestOutcome url={outcome.webhook.url} result={outcome.result} />}
      {outcome?.note !== undefined && <Success>{outcome.note}</Success>}
      <ErrorNotice error={list.error} title="The webhooks could not be loaded." onRetry={list.reload} />
      {list.loading && list.data === undefined && <Loading what="webhooks" />}
      {list.data !== undefined && list.data.total === 0 && (
        <EmptyState
          title="No webhooks yet"
          action={
            <button type="button" onClick={() => setAdding(true)}>
              Add the first webhook
            </button>
          }
        >
          Add one to have the ERP system told about new and changed records, finished syncs and DDS decisions
          instead of polling for them.
        </EmptyState>
      )}
      {list.data !== undefined && list.data.total > 0 && (
        <>
          <table className="list" aria-busy={list.loading} data-testid="webhooks-table">
            <caption className="visually-hidden">Webhooks of {integration.name}</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Failures in a row</th>
                <th scope="col">Last delivery</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((webhook) => (
                <tr
                  key={webhook.id}
                  className={webhook.active ? undefined : 'ended'}
                  data-webhook-id={webhook.id}
                >
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
                    {webhook.lastDelivery === null ? (
                      <span className="muted">None yet</span>
                    ) : (
                      <>
                        <DeliveryStatus status={webhook.lastDelivery.status} />{' '}
                        <time
                          dateTime={webhook.lastDelivery.createdAt}
                          title={formatDateTime(webhook.lastDelivery.createdAt)}
                        >
                          {relativeTime(webhook.lastDelivery.createdAt, now)}
                        </time>
                        {webhook.lastDelivery.lastAttempt !== null && (
                          <div className="sub">{describeAttempt(webhook.lastDelivery.lastAttempt)}</div>
                        )}
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
                        disabled={busy !== undefined}
                        aria-label={`Send test to ${webhook.url}`}
                        onClick={() => void run(webhook, 'test')}
                      >
                        {busy === `test:${webhook.id}` ? 'Sending…' : 'Send test'}
                      </button>
                      {!webhook.active && (
                        <button
                          type="button"
                          className="secondary small"
                          disabled={busy !== undefined}
                          aria-label={`Re-enable the webhook to ${webhook.url}`}
                          onClick={() => void run(webhook, 'enable')}
                        >
                          Re-enable
                        </button>
                      )}
                      <button
                        type="button"
                        className="danger-outline small"
                        aria-label={`Delete the webhook to ${webhook.url}`}
                        onClick={() => setDeleting(webhook)}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            page={list.data.page}
            limit={list.data.limit}
            total={list.data.total}
            noun="webhooks"
            one="webhook"
            onPage={(next) => setParams({ page: String(next) })}
          />
        </>
      )}
      {adding && (
        <AddWebhookDialog
          integrationId={integration.id}
          onClose={() => setAdding(false)}
          onCreated={(webhook) => {
            setAdding(false);
            setCreated(webhook);
            list.reload();
          }}
        />
      )}
      {created !== undefined && (
        <Dialog
          title="Copy the signing secret now"
          onClose={() => setCreated(undefined)}
          wide
          testId="created-webhook"
        >
          <Warning>
            <strong>You will not see this secret again.</strong> Your receiver uses it to check that each
            delivery comes from the platform (the <code>webhook-signature</code> header, Standard Webhooks).
          </Warning>
          <CopyField
            label={`Signing secret for ${created.url}`}
            value={created.secret}
            testId="webhook-secret"
          />
          <div className="actions">
            <button type="button" onClick={() => setCreated(undefined)}>
              I have copied the secret
            </button>
          </div>
        </Dialog>
      )}
      {deleting !== undefined && (
        <ConfirmDialog
          title="Delete this webhook?"
          confirmLabel="Delete webhook"
          danger
          onConfirm={() => remove(deleting)}
          onClose={() => setDeleting(undefined)}
        >
          <p>
            <strong>{deleting.url}</strong> stops receiving events at once. Deliveries still waiting are
            skipped, and its delivery history is deleted with it. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function TestOutcome(props: { url: string; result: WebhookTestResult }) {
  const { result } = props;
  const how = describeAttempt(result);
  return (
    <div
      className={result.success ? 'notice success' : 'notice error'}
      role="status"
      data-testid="test-outcome"
    >
      <p className="notice-title">
        {result.success ? 'Test delivery received' : 'Test delivery failed'}: {props.url}
      </p>
      <p>
        {result.success
          ? `The receiver answered ${how}.`
          : `The receiver did not accept it: ${how}. Check the URL and that the receiver answers 2xx within 10 seconds.`}{' '}
        It is in the delivery history.
      </p>
    </div>
  );
}

function AddWebhookDialog(props: {
  integrationId: string;
  onClose: () => void;
  onCreated: (webhook: CreatedSecret) => void;
}) {
  const { api } = useSession();
  const [url, setUrl] = useState('https://');
  const [events, setEvents] = useState<WebhookEventType[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [problems, setProblems] = useState<{ url?: string; events?: string }>({});

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const found: typeof problems = {};
    if (!/^https?:\/\/[^/\s]+/.test(url.trim())) found.url = 'Enter the full URL, starting with https://.';
    if (events.length === 0) found.events = 'Choose at least one event.';
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      props.onCreated(
        await api.call(() =>
          api.client.POST('/api/v1/admin/webhooks', {
            body: { integrationId: props.integrationId, url: url.trim(), events },
          }),
        ),
      );
    } catch (err) {
      setError(err instanceof ApiError ? err : NETWORK_ERROR);
      setBusy(false);
    }
  }

  const toggle = (list: WebhookEventType[], on: boolean) =>
    setEvents((current) =>
      on ? [...new Set([...current, ...list])] : current.filter((e) => !list.includes(e)),
    );
  const eventsError = problems.events ?? fieldError(error?.fields, 'events');

  return (
    <Dialog title="Add a webhook" onClose={props.onClose} locked={busy} wide testId="add-webhook">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ErrorNotice error={error} title="The webhook was not added." />
        <Field
          label="URL"
          hint="Where the platform POSTs the events: https on a public address."
          error={problems.url ?? fieldError(error?.fields, 'url')}
        >
          {(control) => (
            <input
              {...control}
              type="url"
              value={url}
              maxLength={2048}
              autoFocus
              spellCheck={false}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <fieldset
          className="choices"
          aria-describedby={eventsError === undefined ? undefined : 'events-error'}
        >
          <legend>Events</legend>
          <div className="choice inline">
            <input
              type="checkbox"
              id="events-all"
              checked={events.length === ALL_EVENTS.length}
              onChange={(e) => toggle(ALL_EVENTS, e.target.checked)}
            />
            <label htmlFor="events-all">All events</label>
          </div>
          <div className="event-groups">
            {EVENT_GROUPS.map((group) => (
              <fieldset key={group.label} className="event-group">
                <legend>{group.label}</legend>
                {group.events.map((name) => (
                  <div className="choice inline" key={name}>
                    <input
                      type="checkbox"
                      id={`event-${name}`}
                      checked={events.includes(name)}
                      onChange={(e) => toggle([name], e.target.checked)}
                    />
                    <label htmlFor={`event-${name}`}>
                      <code>{name}</code>
                    </label>
                  </div>
                ))}
              </fieldset>
            ))}
          </div>
          {eventsError !== undefined && (
            <p className="field-error" id="events-error">
              {eventsError}
            </p>
          )}
        </fieldset>
        <div className="actions">
          <button type="button" className="secondary" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add webhook'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
