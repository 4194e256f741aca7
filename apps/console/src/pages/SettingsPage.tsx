import { useState } from 'react';
import { ErrorNotice, Success } from '../components/feedback';
import { fieldError } from '../components/Field';
import { NameField } from '../components/NameField';
import { useRequest, useTitle } from '../hooks';
import { useSession } from '../session';
import { DescriptionField, RateLimitField } from './CreateIntegrationDialog';
import { useIntegration } from './IntegrationLayout';

/** Rename an integration, describe it, change its rate limit. */
export function SettingsPage() {
  const { integration, reload } = useIntegration();
  useTitle('Settings', integration.name);
  const { api } = useSession();
  const [name, setName] = useState(integration.name);
  const [description, setDescription] = useState(integration.description);
  const [rateLimit, setRateLimit] = useState(String(integration.rateLimitPerMinute));
  const { busy, error, run } = useRequest();
  const [saved, setSaved] = useState(false);

  function save(event: React.FormEvent) {
    event.preventDefault();
    setSaved(false);
    void run(async () => {
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
    });
  }

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form className="narrow" onSubmit={save} noValidate>
        <ErrorNotice error={error} title="The changes were not saved." />
        {saved && <Success>Saved. Every service applies the new settings within about a second.</Success>}
        <NameField label="Name" error={fieldError(error?.fields, 'name')} value={name} onChange={setName} />
        <DescriptionField value={description} onChange={setDescription} error={error} />
        <RateLimitField
          hint="From 1 to 100,000. Empty: the platform default of 100. A change applies on every service at once."
          value={rateLimit}
          onChange={setRateLimit}
          error={error}
        />
        <div className="actions start">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </section>
  );
}
