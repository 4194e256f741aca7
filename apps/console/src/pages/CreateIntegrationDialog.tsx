import { useState } from 'react';
import type { ApiError, Integration } from '../api';
import { Dialog, DialogActions } from '../components/Dialog';
import { ErrorNotice } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { NameField } from '../components/NameField';
import { NumberField } from '../components/NumberField';
import { useRequest } from '../hooks';
import { useSession } from '../session';

/** An integration's description, as the new-integration dialog and the settings tab both edit it. */
export function DescriptionField(props: {
  value: string;
  onChange: (value: string) => void;
  error: ApiError | undefined;
}) {
  return (
    <Field label="Description" optional error={fieldError(props.error?.fields, 'description')}>
      {(control) => (
        <textarea
          {...control}
          value={props.value}
          maxLength={1000}
          rows={3}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** Requests per minute per token, as the new-integration dialog and the settings tab both edit it. */
export function RateLimitField(props: {
  hint: string;
  optional?: boolean;
  value: string;
  onChange: (value: string) => void;
  error: ApiError | undefined;
}) {
  return (
    <NumberField
      label="Rate limit (requests per minute per token)"
      optional={props.optional}
      hint={props.hint}
      error={fieldError(props.error?.fields, 'rateLimitPerMinute')}
      min={1}
      max={100000}
      value={props.value}
      onChange={props.onChange}
    />
  );
}

/** A new integration: its name, a description, and a rate limit other than the platform's default. */
export function CreateIntegrationDialog(props: {
  onClose: () => void;
  onCreated: (integration: Integration) => void;
}) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const { busy, error, run } = useRequest(true);
  const [nameMissing, setNameMissing] = useState(false);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    if (name.trim() === '') {
      setNameMissing(true);
      return;
    }
    void run(async () => {
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
    });
  }

  return (
    <Dialog title="New integration" onClose={props.onClose} locked={busy}>
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error} />
        <NameField
          label="Name"
          hint="The ERP system and, if you run several, its environment: “SAP ERP production”."
          error={nameMissing ? 'Enter a name.' : fieldError(error?.fields, 'name')}
          autoFocus
          value={name}
          onChange={(value) => {
            setName(value);
            setNameMissing(false);
          }}
        />
        <DescriptionField value={description} onChange={setDescription} error={error} />
        <RateLimitField
          optional
          hint="Leave empty for the platform default of 100. From 1 to 100,000."
          value={rateLimit}
          onChange={setRateLimit}
          error={error}
        />
        <DialogActions
          busy={busy}
          onCancel={props.onClose}
          label="Create integration"
          busyLabel="Creating…"
        />
      </form>
    </Dialog>
  );
}
