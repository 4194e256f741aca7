import { useState } from 'react';
import type { AdminWebhook, Page, WebhookTestResult } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CopyField } from '../components/CopyField';
import { Dialog } from '../components/Dialog';
import { EmptyState, ErrorNotice, Success, Warning } from '../components/feedback';
import { PagedList } from '../components/PagedList';
import { useNow, useRequest, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { AddWebhookDialog } from './AddWebhookDialog';
import type { CreatedSecret } from './AddWebhookDialog';
import { useIntegration } from './IntegrationLayout';
import { pageParam } from './IntegrationsPage';
import { describeAttempt, WebhooksTable } from './WebhooksTable';

const PAGE_SIZE = 20;

type Outcome = { webhook: AdminWebhook; result?: WebhookTestResult; note?: string };

/** Sending a test and re-enabling from a row, deleting after the confirmation, and how the last one went. */
function useWebhookActions(reload: () => void) {
  const { api } = useSession();
  const request = useRequest();
  const [target, setTarget] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const path = (webhook: AdminWebhook) => ({ params: { path: { webhookId: webhook.id } } });

  function run(webhook: AdminWebhook, what: 'test' | 'enable') {
    setTarget(`${what}:${webhook.id}`);
    setOutcome(undefined);
    void request.run(async () => {
      if (what === 'test') {
        const result = await api.call(() =>
          api.client.POST('/api/v1/admin/webhooks/{webhookId}/test', path(webhook)),
        );
        setOutcome({ webhook, result });
      } else {
        await api.call(() =>
          api.client.PATCH('/api/v1/admin/webhooks/{webhookId}', {
            ...path(webhook),
            body: { active: true },
          }),
        );
        setOutcome({
          webhook,
          note: 'Re-enabled: it receives events again, and its failure count starts at 0.',
        });
      }
      reload();
    });
  }

  async function remove(webhook: AdminWebhook) {
    await api.call(() => api.client.DELETE('/api/v1/admin/webhooks/{webhookId}', path(webhook)));
    setOutcome({ webhook, note: 'Deleted. It receives no more events.' });
    reload();
  }

  const sending = (webhook: AdminWebhook) => request.busy && target === `test:${webhook.id}`;
  return { busy: request.busy, error: request.error, outcome, sending, run, remove };
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
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/webhooks', {
          params: { query: { integrationId: integration.id, page, limit: PAGE_SIZE } },
        }),
      ) as Promise<Page<AdminWebhook>>,
    `webhooks:${integration.id}:${page}`,
  );
  const actions = useWebhookActions(list.reload);
  const { outcome } = actions;

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
      <ErrorNotice error={actions.error} title="That did not work." />
      {outcome?.result !== undefined && <TestOutcome url={outcome.webhook.url} result={outcome.result} />}
      {outcome?.note !== undefined && <Success>{outcome.note}</Success>}
      <PagedList
        list={list}
        failed="The webhooks could not be loaded."
        loading="webhooks"
        empty={<NoWebhooks onAdd={() => setAdding(true)} />}
        noun="webhooks"
        one="webhook"
        onPage={(next) => setParams({ page: String(next) })}
      >
        {(webhooks) => (
          <WebhooksTable
            webhooks={webhooks}
            caption={`Webhooks of ${integration.name}`}
            loading={list.loading}
            now={now}
            actions={{ ...actions, askToDelete: setDeleting }}
          />
        )}
      </PagedList>
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
        <CreatedSecretDialog created={created} onClose={() => setCreated(undefined)} />
      )}
      {deleting !== undefined && (
        <DeleteWebhookDialog
          webhook={deleting}
          onConfirm={() => actions.remove(deleting)}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </section>
  );
}

function NoWebhooks(props: { onAdd: () => void }) {
  return (
    <EmptyState title="No webhooks yet" action={{ label: 'Add the first webhook', onClick: props.onAdd }}>
      Add one to have the ERP system told about new and changed records, finished syncs and DDS decisions
      instead of polling for them.
    </EmptyState>
  );
}

function DeleteWebhookDialog(props: {
  webhook: AdminWebhook;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  return (
    <ConfirmDialog
      title="Delete this webhook?"
      confirmLabel="Delete webhook"
      danger
      onConfirm={props.onConfirm}
      onClose={props.onClose}
    >
      <p>
        <strong>{props.webhook.url}</strong> stops receiving events at once. Deliveries still waiting are
        skipped, and its delivery history is deleted with it. This cannot be undone.
      </p>
    </ConfirmDialog>
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

/** The new webhook's signing secret, this once. */
function CreatedSecretDialog(props: { created: CreatedSecret; onClose: () => void }) {
  return (
    <Dialog title="Copy the signing secret now" onClose={props.onClose} wide testId="created-webhook">
      <Warning>
        <strong>You will not see this secret again.</strong> Your receiver uses it to check that each delivery
        comes from the platform (the <code>webhook-signature</code> header, Standard Webhooks).
      </Warning>
      <CopyField
        label={`Signing secret for ${props.created.url}`}
        value={props.created.secret}
        testId="webhook-secret"
      />
      <div className="actions">
        <button type="button" onClick={props.onClose}>
          I have copied the secret
        </button>
      </div>
    </Dialog>
  );
}
