import { useState } from 'react';

import type { CreatedToken, Integration, Page, RotatedToken, Token } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { EmptyState } from '../components/feedback';
import { PagedList } from '../components/PagedList';
import { tokenHint } from '../format';
import { listQuery, useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { CreatedTokenDialog } from './CreatedTokenDialog';
import { GenerateTokenDialog } from './GenerateTokenDialog';
import { useIntegration } from './IntegrationLayout';
import { pageParam } from './IntegrationsPage';
import { RotateTokenDialog } from './RotateTokenDialog';
import { TokenAddressesDialog } from './TokenAddressesDialog';
import { TokensTable } from './TokensTable';
import type { TokenAction } from './TokensTable';
import { TokenUsageDialog } from './TokenUsageDialog';

const PAGE_SIZE = 20;
const FILTERS = [
  { value: '', label: 'All' },
  { value: 'ACTIVE', label: 'Active' },
  { value: 'REVOKED', label: 'Revoked' },
  { value: 'EXPIRED', label: 'Expired' },
] as const;
type StatusFilter = Token['status'] | '';

/** The one dialog open over the list, if any. */
type OpenDialog =
  | { kind: 'generate' }
  | { kind: 'created'; token: CreatedToken | RotatedToken }
  | { kind: TokenAction; token: Token };

/** The API tokens of an integration: generate (shown once), see what each may do and when it ends, revoke. */
export function TokensPage() {
  const { integration, reload: reloadIntegration } = useIntegration();
  useTitle('API tokens', integration.name);
  const { api } = useSession();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const status = (FILTERS.find((f) => f.value === params.get('status'))?.value ?? '') as StatusFilter;
  const [open, setOpen] = useState<OpenDialog>();
  const list = useResource(
    () =>
      api.call(() =>
        api.client.GET('/api/v1/admin/integrations/{integrationId}/tokens', {
          params: {
            path: { integrationId: integration.id },
            query: { page, limit: PAGE_SIZE, ...(status === '' ? {} : { status }) },
          },
        }),
      ) as Promise<Page<Token>>,
    `tokens:${integration.id}:${status}:${page}`,
  );
  const show = (next: { status?: StatusFilter; page?: number }) =>
    setParams(listQuery({ status: next.status ?? status }, next.page));
  const changed = () => {
    list.reload();
    reloadIntegration();
  };

  return (
    <section aria-labelledby="tokens-title">
      <div className="section-head">
        <h2 id="tokens-title">API tokens</h2>
        <button type="button" onClick={() => setOpen({ kind: 'generate' })}>
          Generate token
        </button>
      </div>
      <p className="lead">
        The ERP system sends a token as <code>Authorization: Bearer eudr_live_…</code>. Give each system its
        own token with only the scopes it needs, and an expiry.
      </p>
      <StatusFilterFieldset status={status} onChange={(next) => show({ status: next, page: 1 })} />
      <PagedList
        list={list}
        failed="The tokens could not be loaded."
        loading="tokens"
        empty={<NoTokens status={status} onGenerate={() => setOpen({ kind: 'generate' })} />}
        noun="tokens"
        one="token"
        onPage={(next) => show({ page: next })}
      >
        {(tokens) => (
          <TokensTable
            tokens={tokens}
            integration={integration}
            now={now}
            busy={list.loading}
            onAction={(kind, token) => setOpen({ kind, token })}
          />
        )}
      </PagedList>
      <TokenDialogs
        integration={integration}
        open={open}
        setOpen={setOpen}
        onGenerated={() => show({ status: '', page: 1 })}
        onChanged={changed}
      />
    </section>
  );
}

function StatusFilterFieldset(props: { status: StatusFilter; onChange: (status: StatusFilter) => void }) {
  return (
    <fieldset className="filter">
      <legend>Show</legend>
      {FILTERS.map((f) => (
        <label key={f.value} className={props.status === f.value ? 'chosen' : undefined}>
          <input
            type="radio"
            name="token-status"
            value={f.value}
            checked={props.status === f.value}
            onChange={() => props.onChange(f.value)}
          />
          {f.label}
        </label>
      ))}
    </fieldset>
  );
}

function NoTokens(props: { status: StatusFilter; onGenerate: () => void }) {
  const all = props.status === '';
  return (
    <EmptyState
      title={all ? 'No tokens yet' : `No ${props.status.toLowerCase()} tokens`}
      action={all ? { label: 'Generate the first token', onClick: props.onGenerate } : undefined}
    >
      {all
        ? 'Generate a token for the ERP system behind this integration. You will see it once, to copy it.'
        : 'Choose “All” to see every token of this integration.'}
    </EmptyState>
  );
}

/** The dialog `open` names; a generated or rotated token is shown once, in the created-token dialog. */
function TokenDialogs(props: {
  integration: Integration;
  open: OpenDialog | undefined;
  setOpen: (open: OpenDialog | undefined) => void;
  onGenerated: () => void;
  onChanged: () => void;
}) {
  const { integration, open, setOpen } = props;
  const close = () => setOpen(undefined);
  return (
    <>
      {open?.kind === 'generate' && (
        <GenerateTokenDialog
          integration={integration}
          onClose={close}
          onCreated={(token) => {
            setOpen({ kind: 'created', token });
            props.onGenerated();
            props.onChanged();
          }}
        />
      )}
      {open?.kind === 'created' && <CreatedTokenDialog token={open.token} onClose={close} />}
      {open?.kind === 'rotate' && (
        <RotateTokenDialog
          integration={integration}
          token={open.token}
          onClose={close}
          onRotated={(rotated) => {
            setOpen({ kind: 'created', token: rotated });
            props.onChanged();
          }}
        />
      )}
      {open?.kind === 'addresses' && (
        <TokenAddressesDialog integration={integration} token={open.token} onClose={close} />
      )}
      {open?.kind === 'usage' && (
        <TokenUsageDialog integration={integration} token={open.token} onClose={close} />
      )}
      {open?.kind === 'revoke' && (
        <RevokeTokenDialog
          integration={integration}
          token={open.token}
          onRevoked={props.onChanged}
          onClose={close}
        />
      )}
    </>
  );
}

function RevokeTokenDialog(props: {
  integration: Integration;
  token: Token;
  onRevoked: () => void;
  onClose: () => void;
}) {
  const { api } = useSession();
  const { token } = props;
  async function revoke() {
    await api.call(() =>
      api.client.POST('/api/v1/admin/integrations/{integrationId}/tokens/{tokenId}/revoke', {
        params: { path: { integrationId: props.integration.id, tokenId: token.id } },
      }),
    );
    props.onRevoked();
  }
  return (
    <ConfirmDialog
      title={`Revoke token “${token.name}”?`}
      confirmLabel="Revoke token"
      danger
      onConfirm={revoke}
      onClose={props.onClose}
    >
      <p>
        <strong>
          Every request with {tokenHint(token.tokenPrefix, token.lastFour)} is refused from now on
        </strong>{' '}
        (401 TOKEN_REVOKED, on every service within about a second). The ERP system using it stops syncing
        until it gets a new token.
      </p>
      <p>Revoking cannot be undone. The token stays in this list, marked revoked.</p>
    </ConfirmDialog>
  );
}
