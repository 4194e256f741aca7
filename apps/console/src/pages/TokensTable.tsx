import type { ReactNode } from 'react';
import type { Integration, Token } from '../api';
import { Badge } from '../components/feedback';
import { RelativeTime } from '../components/RelativeTime';
import { TableHead } from '../components/TableHead';
import { describeExpiry, tokenHint } from '../format';

/** What a row's buttons open. */
export type TokenAction = 'usage' | 'addresses' | 'rotate' | 'revoke';

function TokenStatus(props: { status: Token['status'] }) {
  if (props.status === 'ACTIVE') return <Badge tone="ok">Active</Badge>;
  if (props.status === 'REVOKED') return <Badge tone="muted">Revoked</Badge>;
  return <Badge tone="muted">Expired</Badge>;
}

/** The tokens of one page of the list. */
export function TokensTable(props: {
  tokens: Token[];
  integration: Integration;
  now: number;
  busy: boolean;
  onAction: (action: TokenAction, token: Token) => void;
}) {
  return (
    <div className="table-scroll">
      <table className="list tokens" aria-busy={props.busy} data-testid="tokens-table">
        <caption className="visually-hidden">API tokens of {props.integration.name}</caption>
        <TableHead
          columns={['Name', 'Token', 'Scopes', 'Created', 'Last used', 'Expires', 'Status']}
          actions
        />
        <tbody>
          {props.tokens.map((token) => (
            <TokenRow
              key={token.id}
              token={token}
              integration={props.integration}
              now={props.now}
              onAction={(action) => props.onAction(action, token)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RowButton(props: { className: string; label: string; onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className={props.className} aria-label={props.label} onClick={props.onClick}>
      {props.children}
    </button>
  );
}

/** One token of the list: what it may do, its use, when it ends, its state, and what can be done to it. */
function TokenRow(props: {
  token: Token;
  integration: Integration;
  now: number;
  onAction: (action: TokenAction) => void;
}) {
  const { token, now } = props;
  const ended = token.status !== 'ACTIVE';
  return (
    <tr className={ended ? 'ended' : undefined} data-token-id={token.id}>
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
        <RelativeTime iso={token.createdAt} now={now} />
        <div className="sub">by {token.createdBy}</div>
      </td>
      <LastUsedCell token={token} now={now} onAction={props.onAction} />
      <ExpiryCell token={token} now={now} />
      <StatusCell token={token} integration={props.integration} now={now} />
      <td>
        {token.status === 'ACTIVE' && token.rotatedTo === null && (
          <RowButton
            className="secondary small"
            label={`Rotate token ${token.name}`}
            onClick={() => props.onAction('rotate')}
          >
            Rotate
          </RowButton>
        )}{' '}
        {token.status === 'ACTIVE' && (
          <RowButton
            className="danger-outline small"
            label={`Revoke token ${token.name}`}
            onClick={() => props.onAction('revoke')}
          >
            Revoke
          </RowButton>
        )}
      </td>
    </tr>
  );
}

function LastUsedCell(props: { token: Token; now: number; onAction: (action: TokenAction) => void }) {
  const { token } = props;
  return (
    <td>
      {token.lastUsedAt === null ? (
        <span className="muted">Never used</span>
      ) : (
        <RelativeTime iso={token.lastUsedAt} now={props.now} />
      )}
      {token.stale && (
        <div className="sub">
          <Badge tone="warn">Stale</Badge> unused for 90 days
        </div>
      )}
      <div className="sub">
        <RowButton
          className="link small"
          label={`Usage of token ${token.name}`}
          onClick={() => props.onAction('usage')}
        >
          Usage
        </RowButton>{' '}
        <RowButton
          className="link small"
          label={`Addresses of token ${token.name}`}
          onClick={() => props.onAction('addresses')}
        >
          Addresses
        </RowButton>
      </div>
    </td>
  );
}

/** The expiry date, "expires in N days" when near, and a warning for a token that never expires. */
function ExpiryCell(props: { token: Token; now: number }) {
  const expiry = describeExpiry(props.token.expiresAt, props.now);
  const ended = props.token.status !== 'ACTIVE';
  return (
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
  );
}

/** The state, and why an active token may still be refused or soon stop: inactive integration, rotation. */
function StatusCell(props: { token: Token; integration: Integration; now: number }) {
  const { token, now } = props;
  return (
    <td>
      <TokenStatus status={token.status} />
      {token.status === 'ACTIVE' && props.integration.status === 'INACTIVE' && (
        <div className="sub warn-text">refused while the integration is inactive</div>
      )}
      {token.rotatedTo !== null && token.status === 'ACTIVE' && token.expiresAt !== null && (
        <div className="sub warn-text">
          replaced; stops working <RelativeTime iso={token.expiresAt} now={now} />
        </div>
      )}
      {token.rotatedFrom !== null && <div className="sub">rotated from an older token</div>}
      {token.revokedAt !== null && (
        <div className="sub">
          <RelativeTime iso={token.revokedAt} now={now} />
        </div>
      )}
    </td>
  );
}
