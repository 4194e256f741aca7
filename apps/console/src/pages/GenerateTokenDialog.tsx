import { useEffect, useId, useState } from 'react';
import type { CreatedToken, Integration, Scope, ScopeDefinition } from '../api';
import { Dialog, DialogActions } from '../components/Dialog';
import { ErrorNotice, Loading } from '../components/feedback';
import { fieldError } from '../components/Field';
import { NameField } from '../components/NameField';
import { isoDay } from '../format';
import { useRequest, useResource } from '../hooks';
import { useSession } from '../session';
import { expiryBody, TokenExpiryFieldset } from './TokenExpiryFieldset';
import type { Expiry } from './TokenExpiryFieldset';

type Problems = { name?: string; scopes?: string; date?: string };

/** What the form lacks before it is sent, in words next to each field. */
function problemsOf(name: string, chosen: Scope[], expires: ReturnType<typeof expiryBody>): Problems {
  const found: Problems = {};
  if (name.trim() === '') found.name = 'Enter a name, e.g. the system and environment.';
  if (chosen.length === 0) found.scopes = 'Choose at least one scope.';
  if (expires === undefined) found.date = 'Enter a date.';
  else if (typeof expires.expiresAt === 'string' && new Date(expires.expiresAt).getTime() <= Date.now()) {
    found.date = 'Choose a date after today.';
  }
  return found;
}

/** Generate a token: a name, the scopes it needs (each explained), and when it ends. */
export function GenerateTokenDialog(props: {
  integration: Integration;
  onClose: () => void;
  onCreated: (token: CreatedToken) => void;
}) {
  const { api } = useSession();
  const ids = useId();
  // The organisation's token policy: its default lifetime is offered first, and what breaks it is disabled.
  const policy = useResource(() => api.call(() => api.client.GET('/api/v1/admin/policy')), 'policy');
  const defaultDays = policy.data?.defaultTokenLifetimeDays ?? null;
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Scope[]>([]);
  const [expiry, setExpiry] = useState<Expiry>({ kind: 'days', days: 30 });
  const [date, setDate] = useState(isoDay(60));
  const { busy, error, run } = useRequest(true);
  const [problems, setProblems] = useState<Problems>({});
  useEffect(() => {
    if (defaultDays !== null) setExpiry({ kind: 'policy' });
  }, [defaultDays]);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const expires = expiryBody(expiry, date);
    const found = problemsOf(name, chosen, expires);
    setProblems(found);
    if (Object.keys(found).length > 0 || expires === undefined) return;
    void run(async () => {
      const created = await api.call(() =>
        api.client.POST('/api/v1/admin/integrations/{integrationId}/tokens', {
          params: { path: { integrationId: props.integration.id } },
          body: { name, scopes: chosen, ...expires },
        }),
      );
      props.onCreated(created);
    });
  }

  return (
    <Dialog
      title={`Generate a token for ${props.integration.name}`}
      onClose={props.onClose}
      locked={busy}
      wide
      testId="generate-token"
    >
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error} title="The token was not generated." />
        <NameField
          label="Token name"
          hint="Say where it is used, so you know what breaks when you revoke it: “SAP production”."
          error={problems.name ?? fieldError(error?.fields, 'name')}
          autoFocus
          value={name}
          onChange={setName}
        />
        <ScopesFieldset
          ids={ids}
          chosen={chosen}
          onChange={setChosen}
          error={problems.scopes ?? fieldError(error?.fields, 'scopes')}
        />
        <TokenExpiryFieldset
          ids={ids}
          policy={policy.data}
          expiry={expiry}
          onExpiry={setExpiry}
          date={date}
          onDate={setDate}
          error={problems.date ?? fieldError(error?.fields, 'expiresAt', 'expiresInDays')}
        />
        <DialogActions busy={busy} onCancel={props.onClose} label="Generate token" busyLabel="Generating…" />
      </form>
    </Dialog>
  );
}

/** The scopes a token may have, each with what it allows, as the API describes them. */
function ScopesFieldset(props: {
  ids: string;
  chosen: Scope[];
  onChange: (update: (chosen: Scope[]) => Scope[]) => void;
  error: string | undefined;
}) {
  const { api } = useSession();
  const { ids, error } = props;
  const scopes = useResource(
    () => api.call(() => api.client.GET('/api/v1/admin/scopes')) as Promise<ScopeDefinition[]>,
    'scopes',
  );
  const toggle = (scope: Scope, on: boolean) =>
    props.onChange((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));
  return (
    <fieldset className="choices" aria-describedby={error === undefined ? undefined : `${ids}-scopes-error`}>
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
              checked={props.chosen.includes(definition.scope)}
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
      {error !== undefined && (
        <p className="field-error" id={`${ids}-scopes-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
