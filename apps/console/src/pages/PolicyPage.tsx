import { useEffect, useState } from 'react';
import { ApiError, NETWORK_ERROR } from '../api';
import type { Schemas } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice, Loading, Success } from '../components/feedback';
import { Field, fieldError } from '../components/Field';
import { formatDate, formatDateTime } from '../format';
import { useResource, useTitle } from '../hooks';
import { useSession } from '../session';

type PolicyInput = Schemas['TokenPolicyInput'];
type Affected = Schemas['AffectedTokens'];

const days = (text: string): number | null => (text.trim() === '' ? null : Number(text));

/**
 * The organisation's token policy: the longest lifetime a token may have, whether it must expire, and the
 * lifetime a new token gets by default. Saving first shows which live tokens the new policy blocks.
 */
export function PolicyPage() {
  useTitle('Token policy');
  const { api } = useSession();
  const policy = useResource(() => api.call(() => api.client.GET('/api/v1/admin/policy')), 'policy');
  const [max, setMax] = useState('');
  const [requireExpiry, setRequireExpiry] = useState(false);
  const [fallback, setFallback] = useState('');
  const [error, setError] = useState<ApiError>();
  const [preview, setPreview] = useState<{ input: PolicyInput; affected: Affected }>();
  const [saved, setSaved] = useState<Affected>();
  const [checking, setChecking] = useState(false);

  const loaded = policy.data;
  useEffect(() => {
    if (loaded === undefined) return;
    setMax(loaded.maxTokenLifetimeDays === null ? '' : String(loaded.maxTokenLifetimeDays));
    setRequireExpiry(loaded.requireExpiry);
    setFallback(loaded.defaultTokenLifetimeDays === null ? '' : String(loaded.defaultTokenLifetimeDays));
  }, [loaded]);

  if (loaded === undefined) {
    return (
      <section>
        <h1 tabIndex={-1}>Token policy</h1>
        {policy.error !== undefined ? (
          <ErrorNotice error={policy.error} title="The policy could not be loaded." onRetry={policy.reload} />
        ) : (
          <Loading what="the policy" />
        )}
      </section>
    );
  }

  const input: PolicyInput = {
    maxTokenLifetimeDays: days(max),
    requireExpiry: requireExpiry || max.trim() !== '',
    defaultTokenLifetimeDays: days(fallback),
  };

  // The dry run first: the confirmation names the tokens the new policy would block.
  async function review(event: React.FormEvent) {
    event.preventDefault();
    setError(undefined);
    setSaved(undefined);
    setChecking(true);
    try {
      const affected = await api.call(() => api.client.POST('/api/v1/admin/policy/dry-run', { body: input }));
      setPreview({ input, affected });
    } catch (err) {
      setError(err instanceof ApiError ? err : NETWORK_ERROR);
    } finally {
      setChecking(false);
    }
  }

  async function save(chosen: PolicyInput) {
    const result = await api.call(() => api.client.PUT('/api/v1/admin/policy', { body: chosen }));
    setSaved(result);
    policy.reload();
  }

  return (
    <section aria-labelledby="policy-title">
      <div className="page-head">
        <div>
          <h1 id="policy-title" tabIndex={-1}>
            Token policy
          </h1>
          <p className="lead">
            Rules for every API token of your organisation. Tightening them revokes nothing: tokens that break
            them are refused with 403 TOKEN_POLICY_VIOLATION on every service, and work again if you loosen
            them.
          </p>
          <p className="meta">
            {loaded.updatedAt === null
              ? 'No policy set yet: tokens may live for ever.'
              : `Last changed ${formatDateTime(loaded.updatedAt)} by ${loaded.updatedBy ?? 'an admin'}.`}
          </p>
        </div>
      </div>
      <form className="narrow" onSubmit={(e) => void review(e)} noValidate>
        <ErrorNotice error={error} title="The policy was not saved." />
        {saved !== undefined && (
          <Success>
            Saved. Every service applies it within about a second
            {saved.affectedTokenCount === 0
              ? '; no live token breaks it.'
              : `; ${saved.affectedTokenCount} live ${saved.affectedTokenCount === 1 ? 'token is' : 'tokens are'} now refused.`}
          </Success>
        )}
        <Field
          label="Maximum token lifetime (days)"
          optional
          hint="From 1 to 1830. Empty: no maximum. A maximum also requires every token to expire."
          error={fieldError(error?.fields, 'maxTokenLifetimeDays')}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={1830}
              value={max}
              onChange={(e) => setMax(e.target.value)}
            />
          )}
        </Field>
        <div className="choice">
          <input
            id="policy-require-expiry"
            type="checkbox"
            checked={requireExpiry || max.trim() !== ''}
            disabled={max.trim() !== ''}
            aria-describedby="policy-require-expiry-hint"
            onChange={(e) => setRequireExpiry(e.target.checked)}
          />
          <label htmlFor="policy-require-expiry">Every token must have an expiry date</label>
          <p className="hint" id="policy-require-expiry-hint">
            Tokens that never expire are refused. Implied by a maximum lifetime.
          </p>
        </div>
        <Field
          label="Default lifetime of a new token (days)"
          optional
          hint="From 1 to 365, at most the maximum. Offered first when you generate a token, and given to a token created through the API without an expiry."
          error={fieldError(error?.fields, 'defaultTokenLifetimeDays')}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={365}
              value={fallback}
              onChange={(e) => setFallback(e.target.value)}
            />
          )}
        </Field>
        <div className="actions start">
          <button type="submit" disabled={checking}>
            {checking ? 'Checking tokens…' : 'Review and save'}
          </button>
        </div>
      </form>

      {preview !== undefined && (
        <ConfirmDialog
          title="Save the token policy?"
          confirmLabel="Save policy"
          danger={preview.affected.affectedTokenCount > 0}
          onConfirm={() => save(preview.input)}
          onClose={() => setPreview(undefined)}
        >
          {preview.affected.affectedTokenCount === 0 ? (
            <p>No live token breaks this policy: nothing is refused when you save it.</p>
          ) : (
            <>
              <p>
                <strong>
                  {preview.affected.affectedTokenCount} live{' '}
                  {preview.affected.affectedTokenCount === 1 ? 'token breaks' : 'tokens break'} this policy
                </strong>{' '}
                and will be refused with 403 TOKEN_POLICY_VIOLATION within about a second. They are not
                revoked: loosening the policy lets them work again.
              </p>
              <table className="list" aria-label="Tokens this policy blocks">
                <thead>
                  <tr>
                    <th scope="col">Token</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.affected.affectedTokens.slice(0, 10).map((token) => (
                    <tr key={token.id}>
                      <td>
                        {token.name} <span className="mono">{token.tokenPrefix}</span>
                      </td>
                      <td>{formatDate(token.createdAt)}</td>
                      <td>{token.expiresAt === null ? 'Never' : formatDate(token.expiresAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {preview.affected.affectedTokenCount > 10 && (
                <p>and {preview.affected.affectedTokenCount - 10} more.</p>
              )}
            </>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
