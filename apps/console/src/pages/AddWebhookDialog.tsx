import { useState } from 'react';
import type { AdminCreatedWebhook, WebhookEventType } from '../api';
import { Dialog, DialogActions } from '../components/Dialog';
import { ErrorNotice } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { useRequest } from '../hooks';
import { useSession } from '../session';

/** What the dialog after an add shows: where, and the secret (this once). */
export type CreatedSecret = Pick<AdminCreatedWebhook, 'url' | 'secret'>;

/** The events a subscription can receive, by what they are about. */
export const EVENT_GROUPS: { label: string; events: WebhookEventType[] }[] = [
  { label: 'Suppliers', events: ['supplier.created', 'supplier.updated', 'supplier.deleted'] },
  { label: 'Products', events: ['product.created', 'product.updated', 'product.deleted'] },
  { label: 'Batches', events: ['batch.created', 'batch.updated', 'batch.deleted'] },
  { label: 'Sync', events: ['sync.completed', 'sync.failed'] },
  { label: 'Due diligence statements', events: ['dds.status_changed', 'dds.submitted', 'dds.approved'] },
];
export const ALL_EVENTS = EVENT_GROUPS.flatMap((g) => g.events);

/** A new webhook: where the platform posts, and which events. */
export function AddWebhookDialog(props: {
  integrationId: string;
  onClose: () => void;
  onCreated: (webhook: CreatedSecret) => void;
}) {
  const { api } = useSession();
  const [url, setUrl] = useState('https://');
  const [events, setEvents] = useState<WebhookEventType[]>([]);
  const { busy, error, run } = useRequest(true);
  const [problems, setProblems] = useState<{ url?: string; events?: string }>({});

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const found: typeof problems = {};
    if (!/^https?:\/\/[^/\s]+/.test(url.trim())) found.url = 'Enter the full URL, starting with https://.';
    if (events.length === 0) found.events = 'Choose at least one event.';
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    void run(async () =>
      props.onCreated(
        await api.call(() =>
          api.client.POST('/api/v1/admin/webhooks', {
            body: { integrationId: props.integrationId, url: url.trim(), events },
          }),
        ),
      ),
    );
  }

  return (
    <Dialog title="Add a webhook" onClose={props.onClose} locked={busy} wide testId="add-webhook">
      <form onSubmit={submit} noValidate>
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
        <EventsFieldset
          events={events}
          onChange={setEvents}
          error={problems.events ?? fieldError(error?.fields, 'events')}
        />
        <DialogActions busy={busy} onCancel={props.onClose} label="Add webhook" busyLabel="Adding…" />
      </form>
    </Dialog>
  );
}

/** The events to subscribe to, in groups, with one box for all of them. */
function EventsFieldset(props: {
  events: WebhookEventType[];
  onChange: (update: (events: WebhookEventType[]) => WebhookEventType[]) => void;
  error: string | undefined;
}) {
  const { events, error } = props;
  const toggle = (list: WebhookEventType[], on: boolean) =>
    props.onChange((current) =>
      on ? [...new Set([...current, ...list])] : current.filter((e) => !list.includes(e)),
    );
  return (
    <fieldset className="choices" aria-describedby={error === undefined ? undefined : 'events-error'}>
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
      {error !== undefined && (
        <p className="field-error" id="events-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
