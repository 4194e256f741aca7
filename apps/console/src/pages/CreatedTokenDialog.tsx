import type { CreatedToken, RotatedToken } from '../api';
import { CopyField } from '../components/CopyField';
import { Dialog } from '../components/Dialog';
import { Warning } from '../components/feedback';
import { describeExpiry, formatDateTime, tokenHint } from '../format';

/** The raw token, this once; after a rotation, also until when the old one works. */
export function CreatedTokenDialog(props: { token: CreatedToken | RotatedToken; onClose: () => void }) {
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
