import type { ReactNode } from 'react';
import type { Schemas } from '../api';
import { Warning } from '../components/feedback';
import { formatDate, isoDay } from '../format';

const PRESETS = [30, 90, 365] as const;
const MAX_DATE_DAYS = 5 * 365;

/** When a new token ends, as the admin picks it. */
export type Expiry =
  | { kind: 'days'; days: (typeof PRESETS)[number] }
  | { kind: 'date' }
  | { kind: 'never' }
  | { kind: 'policy' };

/** The expiry fields of the request, or undefined while the date is not a date. */
export function expiryBody(
  expiry: Expiry,
  date: string,
): { expiresInDays?: number; expiresAt?: string | null } | undefined {
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

function ExpiryRadio(props: {
  id: string;
  name: string;
  checked: boolean;
  disabled?: boolean;
  describedBy?: string | undefined;
  onChange: () => void;
  children: ReactNode;
}) {
  return (
    <div className="choice inline">
      <input
        type="radio"
        name={props.name}
        id={props.id}
        checked={props.checked}
        disabled={props.disabled}
        onChange={props.onChange}
        aria-describedby={props.describedBy}
      />
      <label htmlFor={props.id}>{props.children}</label>
    </div>
  );
}

/** The choices themselves: the policy's default, the presets (beyond its maximum disabled), a date, none. */
function ExpiryOptions(props: {
  ids: string;
  expiry: Expiry;
  onExpiry: (expiry: Expiry) => void;
  maxDays: number | null;
  defaultDays: number | null;
  expiryRequired: boolean;
}) {
  const { ids, expiry, maxDays, defaultDays } = props;
  const name = `${ids}-expiry`;
  return (
    <div className="expiry-options">
      {defaultDays !== null && (
        <ExpiryRadio
          id={`${ids}-policy`}
          name={name}
          checked={expiry.kind === 'policy'}
          onChange={() => props.onExpiry({ kind: 'policy' })}
        >
          {defaultDays} days, the default <span className="muted">({formatDate(isoDay(defaultDays))})</span>
        </ExpiryRadio>
      )}
      {PRESETS.map((days) => (
        <ExpiryRadio
          key={days}
          id={`${ids}-days-${days}`}
          name={name}
          checked={expiry.kind === 'days' && expiry.days === days}
          disabled={maxDays !== null && days > maxDays}
          onChange={() => props.onExpiry({ kind: 'days', days })}
        >
          {days} days <span className="muted">({formatDate(isoDay(days))})</span>
        </ExpiryRadio>
      ))}
      <ExpiryRadio
        id={`${ids}-date`}
        name={name}
        checked={expiry.kind === 'date'}
        onChange={() => props.onExpiry({ kind: 'date' })}
      >
        On a date
      </ExpiryRadio>
      <ExpiryRadio
        id={`${ids}-never`}
        name={name}
        checked={expiry.kind === 'never'}
        disabled={props.expiryRequired}
        onChange={() => props.onExpiry({ kind: 'never' })}
        describedBy={expiry.kind === 'never' ? `${ids}-never-warning` : undefined}
      >
        No expiration
      </ExpiryRadio>
    </div>
  );
}

/**
 * The expiry choices of a new token: the organisation policy's default lifetime first when it has one,
 * presets, a date, or none; what the policy forbids is disabled.
 */
export function TokenExpiryFieldset(props: {
  ids: string;
  policy: Schemas['TokenPolicy'] | undefined;
  expiry: Expiry;
  onExpiry: (expiry: Expiry) => void;
  date: string;
  onDate: (date: string) => void;
  error: string | undefined;
}) {
  const { ids, expiry, error } = props;
  const maxDays = props.policy?.maxTokenLifetimeDays ?? null;
  const defaultDays = props.policy?.defaultTokenLifetimeDays ?? null;
  const expiryRequired = props.policy?.requireExpiry === true || maxDays !== null;
  return (
    <fieldset className="choices" aria-describedby={error === undefined ? undefined : `${ids}-date-error`}>
      <legend>Expiration</legend>
      {(maxDays !== null || expiryRequired) && (
        <p className="hint">
          Your organisation&apos;s token policy{' '}
          {maxDays !== null ? `allows at most ${maxDays} days.` : 'requires an expiry date.'}
        </p>
      )}
      <ExpiryOptions
        ids={ids}
        expiry={expiry}
        onExpiry={props.onExpiry}
        maxDays={maxDays}
        defaultDays={defaultDays}
        expiryRequired={expiryRequired}
      />
      {expiry.kind === 'date' && (
        <div className="nested">
          <label htmlFor={`${ids}-date-input`}>Expires at the end of</label>
          <input
            id={`${ids}-date-input`}
            type="date"
            value={props.date}
            min={isoDay(1)}
            max={isoDay(MAX_DATE_DAYS)}
            onChange={(e) => props.onDate(e.target.value)}
            aria-invalid={error === undefined ? undefined : true}
          />
        </div>
      )}
      {expiry.kind === 'never' && (
        <Warning id={`${ids}-never-warning`}>
          <strong>A token without an expiry works until someone revokes it</strong>, even years after the
          system it was made for is gone. Prefer an expiry and a reminder to renew it.
        </Warning>
      )}
      {error !== undefined && (
        <p className="field-error" id={`${ids}-date-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
