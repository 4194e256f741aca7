import { useState } from 'react';

import type { CreatedToken, Page, RotatedToken, Token } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CopyField } from '../components/CopyField';
import { Dialog } from '../components/Dialog';
import { Badge, EmptyState, ErrorNotice, Loading, Warning } from '../components/feedback';
import { Pager } from '../components/Pager';
import { describeExpiry, formatDateTime, relativeTime, tokenHint } from '../format';
import { useNow, useResource, useTitle, useSearchState } from '../hooks';
import { useSession } from '../session';
import { GenerateTokenDialog } from './GenerateTokenDialog';
import { useIntegration } from './IntegrationLayout';
import { pageParam } from './IntegrationsPage';
import { RotateTokenDialog } from './RotateTokenDialog';
import { TokenAddressesDialog } from './TokenAddressesDialog';
import { TokenUsageDialog } from './TokenUsageDialog';

const PAGE_SIZE = 20;
const FILTERS = [
  { value: '', label: 'All' },
  { value: 'ACTIVE', label: 'Active' },
  { value: 'REVOKED', label: 'Revoked' },
  { value: 'EXPIRED', label: 'Expired' },
] as const;
type StatusFilter = Token['status'] | '';

function TokenStatus(props: { status: Token['status'] }) {
  if (props.status === 'ACTIVE') return <Badge tone="ok">Active</Badge>;
  if (props.status === 'REVOKED') return <Badge tone="muted">Revoked</Badge>;
  return <Badge tone="muted">Expired</Badge>;
}

/** The API tokens of an integration: generate (shown once), see what each may do and when it ends, revoke. */
export function TokensPage() {
  const { integration, reload: reloadIntegration } = useIntegration();
  useTitle('API tokens', integration.name);
  const { api } = useSession();
  const now = useNow();
  const [params, setParams] = useSearchState();
  const page = pageParam(params);
  const status = (FILTERS.find((f) => f.value === params.get('status'))?.value ?? '') as StatusFilter;
  const [generating, setGenerating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | RotatedToken>();
  const [revoking, setRevoking] = useState<Token>();
  const [rotating, setRotating] = useState<Token>();
  const [showingUsage, setShowingUsage] = useState<Token>();
  const [showingAddresses, setShowingAddresses] = useState<Token>();

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

  function show(next: { status?: StatusFilter; page?: number }) {
    const query = new URLSearchParams();
    const nextStatus = next.status ?? status;
    if (nextStatus !== '') query.set('status', nextStatus);
    if ((next.page ?? 1) > 1) query.set('page', String(next.page));
    setParams(query);
  }

  async function revoke(token: Token) {
    await api.call(() =>
      api.client.POST('/api/v1/admin/integrations/{integrationId}/tokens/{tokenId}/revoke', {
        params: { path: { integrationId: integration.id, tokenId: token.id } },
      }),
    );
    list.reload();
    reloadIntegration();
  }

  return (
    <section aria-labelledby="tokens-title">
      <div className="section-head">
        <h2 id="tokens-title">API tokens</h2>
        <button type="button" onClick={() => setGenerating(true)}>
          Generate token
        </button>
      </div>
      <p className="lead">
        The ERP system sends a token as <code>Authorization: Bearer eudr_live_…</code>. Give each system its
        own token with only the scopes it needs, and an expiry.
      </p>
      <fieldset className="filter">
        <legend>Show</legend>
        {FILTERS.map((f) => (
          <label key={f.value} className={status === f.value ? 'chosen' : undefined}>
            <input
              type="radio"
              name="token-status"
              value={f.value}
              checked={status === f.value}
              onChange={() => show({ status: f.value, page: 1 })}
            />
            {f.label}
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={list.error} title="The tokens could not be loaded." onRetry={list.reload} />
      {list.loading && list.data === undefined && <Loading what="tokens" />}
      {list.data !== undefined && list.data.total === 0 && (
        <EmptyState
          title={status === '' ? 'No tokens yet' : `No ${status.toLowerCase()} tokens`}
          action={
            status === '' ? (
              <button type="button" onClick={() => setGenerating(true)}>
                Generate the first token
              </button>
            ) : undefined
          }
        >
          {status === ''
            ? 'Generate a token for the ERP system behind this integration. You will see it once, to copy it.'
            : 'Choose “All” to see every token of this integration.'}
        </EmptyState>
      )}
      {list.data !== undefined && list.data.total > 0 && (
        <>
          <div className="table-scroll">
            <table className="list tokens" aria-busy={list.loading} data-testid="tokens-table">
              <caption className="visually-hidden">API tokens of {integration.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Token</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((token) => {
                  const expiry = describeExpiry(token.expiresAt, now);
                  const ended = token.status !== 'ACTIVE';
                  return (
                    <tr key={token.id} className={ended ? 'ended' : undefined} data-token-id={token.id}>
                      <th scope="row">{token.name}</th>
                      <td>
                        <code className="token-hint">{tokenHint(token.tokenPrefix, token.lastFour)}</code>
                      </td>
                      <td>
                        <ul className="chips">
                          {token.scopes.map((scope) => (
                            <li key={scope}>{scope.replace(/^integration:/, '')}</li>
                          ))}
                        </ul>
                      </td>
                      <td>
                        <time dateTime={token.createdAt} title={formatDateTime(token.createdAt)}>
                          {relativeTime(token.createdAt, now)}
                        </time>
                        <div className="sub">by {token.createdBy}</div>
                      </td>
                      <td>
                        {token.lastUsedAt === null ? (
                          <span className="muted">Never used</span>
                        ) : (
                          <time dateTime={token.lastUsedAt} title={formatDateTime(token.lastUsedAt)}>
                            {relativeTime(token.lastUsedAt, now)}
                          </time>
                        )}
                        {token.stale && (
                          <div className="sub">
                            <Badge tone="warn">Stale</Badge> unused for 90 days
                          </div>
                        )}
                        <div className="sub">
                          <button
                            type="button"
                            className="link small"
                            aria-label={`Usage of token ${token.name}`}
                            onClick={() => setShowingUsage(token)}
                          >
                            Usage
                          </button>{' '}
                          <button
                            type="button"
                            className="link small"
                            aria-label={`Addresses of token ${token.name}`}
                            onClick={() => setShowingAddresses(token)}
                          >
                            Addresses
                          </button>
                        </div>
                      </td>
                      <td>
                        <span className={`expiry ${ended ? 'ended' : expiry.tone}`} title={expiry.detail}>
                          {expiry.tone === 'never' && !ended && (
                            <span className="icon" aria-hidden="true">
                              !
                            </span>
                          )}
                          {expiry.text}
                        </span>
                        {expiry.note !== undefined && (!ended || expiry.tone === 'past') && (
                          <div className={`sub expiry-note ${ended ? '' : expiry.tone}`}>{expiry.note}</div>
                        )}
                        {expiry.tone === 'never' && !ended && <div className="sub">Works until revoked</div>}
                      </td>
                      <td>
                        <TokenStatus status={token.status} />
                        {token.status === 'ACTIVE' && integration.status === 'INACTIVE' && (
                          <div className="sub warn-text">refused while the integration is inactive</div>
                        )}
                        {token.rotatedTo !== null &&
                          token.status === 'ACTIVE' &&
                          token.expiresAt !== null && (
                            <div className="sub warn-text">
                              replaced; stops working{' '}
                              <time dateTime={token.expiresAt} title={formatDateTime(token.expiresAt)}>
                                {relativeTime(token.expiresAt, now)}
                              </time>
                            </div>
                          )}
                        {token.rotatedFrom !== null && <div className="sub">rotated from an older token</div>}
                        {token.revokedAt !== null && (
                          <div className="sub">
                            <time dateTime={token.revokedAt} title={formatDateTime(token.revokedAt)}>
                              {relativeTime(token.revokedAt, now)}
                            </time>
                          </div>
                        )}
                      </td>
                      <td>
                        {token.status === 'ACTIVE' && token.rotatedTo === null && (
                          <button
                            type="button"
                            className="secondary small"
                            aria-label={`Rotate token ${token.name}`}
                            onClick={() => setRotating(token)}
                          >
                            Rotate
                          </button>
                        )}{' '}
                        {token.status === 'ACTIVE' && (
                          <button
                            type="button"
                            className="danger-outline small"
                            aria-label={`Revoke token ${token.name}`}
                            onClick={() => setRevoking(token)}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager
            page={list.data.page}
            limit={list.data.limit}
            total={list.data.total}
            noun="tokens"
            one="token"
            onPage={(next) => show({ page: next })}
          />
        </>
      )}
      {generating && (
        <GenerateTokenDialog
          integration={integration}
          onClose={() => setGenerating(false)}
          onCreated={(token) => {
            setGenerating(false);
            setCreated(token);
            show({ status: '', page: 1 });
            list.reload();
            reloadIntegration();
          }}
        />
      )}
      {created !== undefined && <CreatedTokenDialog token={created} onClose={() => setCreated(undefined)} />}
      {rotating !== undefined && (
        <RotateTokenDialog
          integration={integration}
          token={rotating}
          onClose={() => setRotating(undefined)}
          onRotated={(rotated) => {
            setRotating(undefined);
            setCreated(rotated);
            list.reload();
            reloadIntegration();
          }}
        />
      )}
      {showingAddresses !== undefined && (
        <TokenAddressesDialog
          integration={integration}
          token={showingAddresses}
          onClose={() => setShowingAddresses(undefined)}
        />
      )}
      {showingUsage !== undefined && (
        <TokenUsageDialog
          integration={integration}
          token={showingUsage}
          onClose={() => setShowingUsage(undefined)}
        />
      )}
      {revoking !== undefined && (
        <ConfirmDialog
          title={`Revoke token “${revoking.name}”?`}
          confirmLabel="Revoke token"
          danger
          onConfirm={() => revoke(revoking)}
          onClose={() => setRevoking(undefined)}
        >
          <p>
            <strong>
              Every request with {tokenHint(revoking.tokenPrefix, revoking.lastFour)} is refused from now on
            </strong>{' '}
            (401 TOKEN_REVOKED, on every service within about a second). The ERP system using it stops syncing
            until it gets a new token.
          </p>
          <p>Revoking cannot be undone. The token stays in this list, marked revoked.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The raw token, this once; after a rotation, also until when the old one works. */
function CreatedTokenDialog(props: { token: CreatedToken | RotatedToken; onClose: () => void }) {
  const { token } = props;
  const previous = 'previous' in token ? token.previous : undefined;
  const expiry = describeExpiry(token.expiresAt);
  return (
    <Dialog title={`Copy the token “${token.name}” now`} onClose={props.onClose} testId="created-token" wide>
      <Warning>
        <strong>You will not see this token again.</strong> The platform keeps only a fingerprint of it. Copy
        it now into your ERP system’s secret store; if it is lost, generate a new one and revoke this one.
      </Warning>
      <CopyField label="Your new API token" value={token.token} testId="new-token" />
      {previous !== undefined && (
        <p data-testid="grace-note">
          The old token {tokenHint(previous.tokenPrefix, previous.lastFour)} keeps working until{' '}
          <strong>{previous.expiresAt === null ? 'revoked' : formatDateTime(previous.expiresAt)}</strong>:
          switch the ERP system to the new one before then.
        </p>
      )}
      <dl className="summary">
        <dt>Scopes</dt>
        <dd>{token.scopes.join(', ')}</dd>
        <dt>Expires</dt>
        <dd>{token.expiresAt === null ? 'Never' : formatDateTime(token.expiresAt)}</dd>
      </dl>
      {expiry.tone === 'never' && (
        <p className="hint">This token never expires: revoke it when it is no longer needed.</p>
      )}
      <div className="actions">
        <button type="button" onClick={props.onClose}>
          I have copied the token
        </button>
      </div>
    </Dialog>
  );
}
