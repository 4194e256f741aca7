import { useState } from 'react';
import { ApiError, NETWORK_ERROR } from '../api';
import { ErrorNotice, Success } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { useTitle } from '../hooks';
import { useSession } from '../session';
import { useIntegration } from './IntegrationLayout';

/** Rename an integration, describe it, change its rate limit. */
export function SettingsPage() {
  const { integration, reload } = useIntegration();
  useTitle('Settings', integration.name);
  const { api } = useSession();
  const [name, setName] = useState(integration.name);
  const [description, setDescription] = useState(integration.description);
  const [rateLimit, setRateLimit] = useState(String(integration.rateLimitPerMinute));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await api.call(() =>
        api.client.PATCH('/api/v1/admin/integrations/{integrationId}', {
          params: { path: { integrationId: integration.id } },
          body: {
            name,
            description,
            rateLimitPerMinute: rateLimit.trim() === '' ? null : Number(rateLimit),
          },
        }),
      );
      setSaved(true);
      reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : NETWORK_ERROR);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form className="narrow" onSubmit={(e) => void save(e)} noValidate>
        <ErrorNotice error={error} title="The changes were not saved." />
        {saved && <Success>Saved. Every service applies the new settings within about a second.</Success>}
        <Field label="Name" error={fieldError(error?.fields, 'name')}>
          {(control) => (
            <input
              {...control}
              value={name}
              maxLength={100}
              required
              onChange={(e) => setName(e.target.value)}
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
          hint="From 1 to 100,000. Empty: the platform default of 100. A change applies on every service at once."
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
        <div className="actions start">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </section>
  );
}
