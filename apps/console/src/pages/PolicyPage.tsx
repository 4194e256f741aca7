import { useEffect, useState } from 'react';
import type { Schemas } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice, Loading, Success } from '../components/feedback';
import { fieldError } from '../components/Field';
import { NumberField } from '../components/NumberField';
import { TableHead } from '../components/TableHead';
import { formatDate, formatDateTime } from '../format';
import { useRequest, useResource, useTitle } from '../hooks';
import { useSession } from '../session';

type Policy = Schemas['TokenPolicy'];
type PolicyInput = Schemas['TokenPolicyInput'];
type Affected = Schemas['AffectedTokens'];

const days = (text: string): number | null => (text.trim() === '' ? null : Number(text));
const text = (value: number | null): string => (value === null ? '' : String(value));

/**
 * The organisation's token policy: the longest lifetime a token may have, whether it must expire, and the
 * lifetime a new token gets by default. Saving first shows which live tokens the new policy blocks.
 */
export function PolicyPage() {
  useTitle('Token policy');
  const { api } = useSession();
  const policy = useResource(() => api.call(() => api.client.GET('/api/v1/admin/policy')), 'policy');
  const loaded = policy.data;

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
      <PolicyForm policy={loaded} reload={policy.reload} />
    </section>
  );
}

/** The form's fields, kept in step with the policy as loaded, and its review (a dry run) and save. */
function usePolicyForm(policy: Policy, reload: () => void) {
  const { api } = useSession();
  const [max, setMax] = useState('');
  const [requireExpiry, setRequireExpiry] = useState(false);
  const [fallback, setFallback] = useState('');
  const [preview, setPreview] = useState<{ input: PolicyInput; affected: Affected }>();
  const [saved, setSaved] = useState<Affected>();
  const review = useRequest();

  useEffect(() => {
    setMax(text(policy.maxTokenLifetimeDays));
    setRequireExpiry(policy.requireExpiry);
    setFallback(text(policy.defaultTokenLifetimeDays));
  }, [policy]);

  const input: PolicyInput = {
    maxTokenLifetimeDays: days(max),
    requireExpiry: requireExpiry || max.trim() !== '',
    defaultTokenLifetimeDays: days(fallback),
  };
  return {
    fields: { max, setMax, requireExpiry, setRequireExpiry, fallback, setFallback },
    review,
    preview,
    closePreview: () => setPreview(undefined),
    saved,
    // The dry run first: the confirmation names the tokens the new policy would block.
    submit(event: React.FormEvent) {
      event.preventDefault();
      setSaved(undefined);
      void review.run(async () => {
        const affected = await api.call(() =>
          api.client.POST('/api/v1/admin/policy/dry-run', { body: input }),
        );
        setPreview({ input, affected });
      });
    },
    async save(chosen: PolicyInput) {
      setSaved(await api.call(() => api.client.PUT('/api/v1/admin/policy', { body: chosen })));
      reload();
    },
  };
}

function PolicyForm(props: { policy: Policy; reload: () => void }) {
  const { fields, review, preview, saved, ...form } = usePolicyForm(props.policy, props.reload);
  const { error } = review;
  const limited = fields.max.trim() !== '';
  return (
    <>
      <form className="narrow" onSubmit={form.submit} noValidate>
        <ErrorNotice error={error} title="The policy was not saved." />
        {saved !== undefined && (
          <Success>
            Saved. Every service applies it within about a second
            {saved.affectedTokenCount === 0
              ? '; no live token breaks it.'
              : `; ${saved.affectedTokenCount} live ${saved.affectedTokenCount === 1 ? 'token is' : 'tokens are'} now refused.`}
          </Success>
        )}
        <NumberField
          label="Maximum token lifetime (days)"
          optional
          hint="From 1 to 1830. Empty: no maximum. A maximum also requires every token to expire."
          error={fieldError(error?.fields, 'maxTokenLifetimeDays')}
          min={1}
          max={1830}
          value={fields.max}
          onChange={fields.setMax}
        />
        <div className="choice">
          <input
            id="policy-require-expiry"
            type="checkbox"
            checked={fields.requireExpiry || limited}
            disabled={limited}
            aria-describedby="policy-require-expiry-hint"
            onChange={(e) => fields.setRequireExpiry(e.target.checked)}
          />
          <label htmlFor="policy-require-expiry">Every token must have an expiry date</label>
          <p className="hint" id="policy-require-expiry-hint">
            Tokens that never expire are refused. Implied by a maximum lifetime.
          </p>
        </div>
        <NumberField
          label="Default lifetime of a new token (days)"
          optional
          hint="From 1 to 365, at most the maximum. Offered first when you generate a token, and given to a token created through the API without an expiry."
          error={fieldError(error?.fields, 'defaultTokenLifetimeDays')}
          min={1}
          max={365}
          value={fields.fallback}
          onChange={fields.setFallback}
        />
        <div className="actions start">
          <button type="submit" disabled={review.busy}>
            {review.busy ? 'Checking tokens…' : 'Review and save'}
          </button>
        </div>
      </form>
      {preview !== undefined && (
        <PolicyReviewDialog
          affected={preview.affected}
          onConfirm={() => form.save(preview.input)}
          onClose={form.closePreview}
        />
      )}
    </>
  );
}

/** The dry run's answer: the live tokens the new policy blocks (the first ten), before it is saved. */
function PolicyReviewDialog(props: {
  affected: Affected;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const count = props.affected.affectedTokenCount;
  return (
    <ConfirmDialog
      title="Save the token policy?"
      confirmLabel="Save policy"
      danger={count > 0}
      onConfirm={props.onConfirm}
      onClose={props.onClose}
    >
      {count === 0 ? (
        <p>No live token breaks this policy: nothing is refused when you save it.</p>
      ) : (
        <>
          <p>
            <strong>
              {count} live {count === 1 ? 'token breaks' : 'tokens break'} this policy
            </strong>{' '}
            and will be refused with 403 TOKEN_POLICY_VIOLATION within about a second. They are not revoked:
            loosening the policy lets them work again.
          </p>
          <table className="list" aria-label="Tokens this policy blocks">
            <TableHead columns={['Token', 'Created', 'Expires']} />
            <tbody>
              {props.affected.affectedTokens.slice(0, 10).map((token) => (
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
          {count > 10 && <p>and {count - 10} more.</p>}
        </>
      )}
    </ConfirmDialog>
  );
}
