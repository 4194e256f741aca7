import { useState } from 'react';

import type { Integration, RotatedToken, Token } from '../api';
import { Dialog, DialogActions } from '../components/Dialog';
import { ErrorNotice } from '../components/feedback';
import { tokenHint } from '../format';
import { useRequest } from '../hooks';
import { useSession } from '../session';

/** How long the old token keeps working, as the admin picks it (the API allows 0 to 7 days). */
const GRACE_CHOICES = [
  { seconds: 3_600, label: '1 hour' },
  {
    seconds: 86_400,
    label: '24 hours',
    hint: 'the default: time for a nightly job to pick up the new token',
  },
  { seconds: 3 * 86_400, label: '3 days' },
  { seconds: 7 * 86_400, label: '7 days', hint: 'the longest' },
  { seconds: 0, label: 'Stop it at once', hint: 'when the old token must not be used any more' },
] as const;

/**
 * Rotates a token: a new one with the same name, scopes and lifetime, shown once, while the old one keeps
 * working for the chosen grace period, so the ERP system can switch without a failed request.
 */
export function RotateTokenDialog(props: {
  integration: Integration;
  token: Token;
  onClose: () => void;
  onRotated: (rotated: RotatedToken) => void;
}) {
  const { api } = useSession();
  const [grace, setGrace] = useState<number>(86_400);
  const { busy, error, run } = useRequest(true);

  const rotate = () =>
    run(async () => {
      const rotated = (await api.call(() =>
        api.client.POST('/api/v1/admin/integrations/{integrationId}/tokens/{tokenId}/rotate', {
          params: { path: { integrationId: props.integration.id, tokenId: props.token.id } },
          body: { gracePeriodSeconds: grace },
        }),
      )) as RotatedToken;
      props.onRotated(rotated);
    });

  return (
    <Dialog
      title={`Rotate token “${props.token.name}”`}
      onClose={props.onClose}
      locked={busy}
      testId="rotate-token"
    >
      <p>
        A new token with the same name, scopes and lifetime replaces{' '}
        <code>{tokenHint(props.token.tokenPrefix, props.token.lastFour)}</code>. You will see the new token
        once.
      </p>
      <fieldset className="choices">
        <legend>The old token keeps working for</legend>
        {GRACE_CHOICES.map((choice) => (
          <label key={choice.seconds}>
            <input
              type="radio"
              name="grace"
              value={choice.seconds}
              checked={grace === choice.seconds}
              onChange={() => setGrace(choice.seconds)}
            />
            {choice.label}
            {'hint' in choice && <span className="sub"> ({choice.hint})</span>}
          </label>
        ))}
      </fieldset>
      <p className="hint">After that it answers 401 TOKEN_EXPIRED. Revoking it before then works as usual.</p>
      <ErrorNotice error={error} />
      <DialogActions
        busy={busy}
        onCancel={props.onClose}
        label="Rotate token"
        busyLabel="Rotating…"
        onClick={() => void rotate()}
      />
    </Dialog>
  );
}
