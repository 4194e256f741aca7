import { useEffect, useId, useState } from 'react';
import type { CreatedToken, Integration, Scope, ScopeDefinition } from '../api';
import { ApiError, NETWORK_ERROR } from '../api';
import { Dialog } from '../components/Dialog';
import { ErrorNotice, Loading, Warning } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { formatDate, isoDay } from '../format';
import { useResource } from '../hooks';
import { useSession } from '../session';

const PRESETS = [30, 90, 365] as const;
type Expiry =
  | { kind: 'days'; days: (typeof PRESETS)[number] }
  | { kind: 'date' }
  | { kind: 'never' }
  | { kind: 'policy' };
const MAX_DATE_DAYS = 5 * 365;

/** Generate a token: a name, the scopes it needs (each explained), and when it ends. */
export function GenerateTokenDialog(props: {
  integration: Integration;
  onClose: () => void;
  onCreated: (token: CreatedToken) => void;
}) {
  const { api } = useSession();
  const ids = useId();
  const scopes = useResource(
    () => api.call(() => api.client.GET('/api/v1/admin/scopes')) as Promise<ScopeDefinition[]>,
    'scopes',
  );
  // The organisation's token policy: its default lifetime is offered first, and what breaks it is disabled.
  const policy = useResource(() => api.call(() => api.client.GET('/api/v1/admin/policy')), 'policy');
  const maxDays = policy.data?.maxTokenLifetimeDays ?? null;
  const defaultDays = policy.data?.defaultTokenLifetimeDays ?? null;
  const expiryRequired = policy.data?.requireExpiry === true || maxDays !== null;
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Scope[]>([]);
  const [expiry, setExpiry] = useState<Expiry>({ kind: 'days', days: 30 });
  const [date, setDate] = useState(isoDay(60));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [problems, setProblems] = useState<{ name?: string; scopes?: string; date?: string }>({});
  useEffect(() => {
    if (defaultDays !== null) setExpiry({ kind: 'policy' });
  }, [defaultDays]);

  function expiryBody(): { expiresInDays?: number; expiresAt?: string | null } | undefined {
    if (expiry.kind === 'days') return { expiresInDays: expiry.days };
    // Nothing: the platform gives the policy's default lifetime.
    if (expiry.kind === 'policy') return {};
    // Explicitly none: leaving it out would give the organisation policy's default lifetime.
    if (expiry.kind === 'never') return { expiresAt: null };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
    // The end of the chosen day where the admin is, as an instant with a zone.
    const end = new Date(`${date}T23:59:59`);
    return Number.isNaN(end.getTime()) ? undefined : { expiresAt: end.toISOString() };
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const found: typeof problems = {};
    if (name.trim() === '') found.name = 'Enter a name, e.g. the system and environment.';
    if (chosen.length === 0) found.scopes = 'Choose at least one scope.';
    const expires = expiryBody();
    if (expires === undefined) found.date = 'Enter a date.';
    else if (typeof expires.expiresAt === 'string' && new Date(expires.expiresAt).getTime() <= Date.now()) {
      found.date = 'Choose a date after today.';
    }
    setProblems(found);
    if (Object.keys(found).length > 0 || expires === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.call(() =>
        api.client.POST('/api/v1/admin/integrations/{integrationId}/tokens', {
          params: { path: { integrationId: props.integration.id } },
          body: { name, scopes: chosen, ...expires },
        }),
      );
      props.onCreated(created);
    } catch (err) {
      setError(err instanceof ApiError ? err : NETWORK_ERROR);
      setBusy(false);
    }
  }

  const toggle = (scope: Scope, on: boolean) =>
    setChosen((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));
  const scopesError = problems.scopes ?? fieldError(error?.fields, 'scopes');
  const dateError = problems.date ?? fieldError(error?.fields, 'expiresAt', 'expiresInDays');

  return (
    <Dialog
      title={`Generate a token for ${props.integration.name}`}
      onClose={props.onClose}
      locked={busy}
      wide
      testId="generate-token"
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ErrorNotice error={error} title="The token was not generated." />
        <Field
          label="Token name"
          hint="Say where it is used, so you know what breaks when you revoke it: “SAP production”."
          error={problems.name ?? fieldError(error?.fields, 'name')}
        >
          {(control) => (
            <input
              {...control}
              value={name}
              maxLength={100}
              required
              autoFocus
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>

        <fieldset
          className="choices"
          aria-describedby={scopesError === undefined ? undefined : `${ids}-scopes-error`}
        >
          <legend>Scopes</legend>
          <p className="hint">Only what the system needs: a token can do nothing its scopes do not allow.</p>
          {scopes.loading && scopes.data === undefined && <Loading what="scopes" />}
          <ErrorNotice error={scopes.error} title="The scopes could not be loaded." onRetry={scopes.reload} />
          <div className="scope-grid">
            {scopes.data?.map((definition) => (
              <div className="choice" key={definition.scope}>
                <input
                  type="checkbox"
                  id={`${ids}-${definition.scope}`}
                  checked={chosen.includes(definition.scope)}
                  onChange={(e) => toggle(definition.scope, e.target.checked)}
                  aria-describedby={`${ids}-${definition.scope}-desc`}
                />
                <label htmlFor={`${ids}-${definition.scope}`}>
                  {definition.label} <code>{definition.scope}</code>
                </label>
                <p className="hint" id={`${ids}-${definition.scope}-desc`}>
                  {definition.description}
                </p>
              </div>
            ))}
          </div>
          {scopesError !== undefined && (
            <p className="field-error" id={`${ids}-scopes-error`}>
              {scopesError}
            </p>
          )}
        </fieldset>

        <fieldset
          className="choices"
          aria-describedby={dateError === undefined ? undefined : `${ids}-date-error`}
        >
          <legend>Expiration</legend>
          {(maxDays !== null || expiryRequired) && (
            <p className="hint">
              Your organisation&apos;s token policy{' '}
              {maxDays !== null ? `allows at most ${maxDays} days.` : 'requires an expiry date.'}
            </p>
          )}
          <div className="expiry-options">
            {defaultDays !== null && (
              <div className="choice inline">
                <input
                  type="radio"
                  name={`${ids}-expiry`}
                  id={`${ids}-policy`}
                  checked={expiry.kind === 'policy'}
                  onChange={() => setExpiry({ kind: 'policy' })}
                />
                <label htmlFor={`${ids}-policy`}>
                  {defaultDays} days, the default{' '}
                  <span className="muted">({formatDate(isoDay(defaultDays))})</span>
                </label>
              </div>
            )}
            {PRESETS.map((days) => (
              <div className="choice inline" key={days}>
                <input
                  type="radio"
                  name={`${ids}-expiry`}
                  id={`${ids}-days-${days}`}
                  checked={expiry.kind === 'days' && expiry.days === days}
                  disabled={maxDays !== null && days > maxDays}
                  onChange={() => setExpiry({ kind: 'days', days })}
                />
                <label htmlFor={`${ids}-days-${days}`}>
                  {days} days <span className="muted">({formatDate(isoDay(days))})</span>
                </label>
              </div>
            ))}
            <div className="choice inline">
              <input
                type="radio"
                name={`${ids}-expiry`}
                id={`${ids}-date`}
                checked={expiry.kind === 'date'}
                onChange={() => setExpiry({ kind: 'date' })}
              />
              <label htmlFor={`${ids}-date`}>On a date</label>
            </div>
            <div className="choice inline">
              <input
                type="radio"
                name={`${ids}-expiry`}
                id={`${ids}-never`}
                checked={expiry.kind === 'never'}
                disabled={expiryRequired}
                onChange={() => setExpiry({ kind: 'never' })}
                aria-describedby={expiry.kind === 'never' ? `${ids}-never-warning` : undefined}
              />
              <label htmlFor={`${ids}-never`}>No expiration</label>
            </div>
          </div>
          {expiry.kind === 'date' && (
            <div className="nested">
              <label htmlFor={`${ids}-date-input`}>Expires at the end of</label>
              <input
                id={`${ids}-date-input`}
                type="date"
                value={date}
                min={isoDay(1)}
                max={isoDay(MAX_DATE_DAYS)}
                onChange={(e) => setDate(e.target.value)}
                aria-invalid={dateError === undefined ? undefined : true}
              />
            </div>
          )}
          {expiry.kind === 'never' && (
            <Warning id={`${ids}-never-warning`}>
              <strong>A token without an expiry works until someone revokes it</strong>, even years after the
              system it was made for is gone. Prefer an expiry and a reminder to renew it.
            </Warning>
          )}
          {dateError !== undefined && (
            <p className="field-error" id={`${ids}-date-error`}>
              {dateError}
            </p>
          )}
        </fieldset>

        <div className="actions">
          <button type="button" className="secondary" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Generating…' : 'Generate token'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
