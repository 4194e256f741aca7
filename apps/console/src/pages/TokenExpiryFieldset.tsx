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

type Choice = { id: string; value: Expiry; label: ReactNode; disabled?: boolean };

const sameExpiry = (a: Expiry, b: Expiry): boolean =>
  a.kind === b.kind && (a.kind !== 'days' || (b.kind === 'days' && a.days === b.days));

/** The choices: the policy's default when it has one, the presets (beyond its maximum disabled), a date, none. */
function ExpiryOptions(props: {
  ids: string;
  expiry: Expiry;
  onExpiry: (expiry: Expiry) => void;
  maxDays: number | null;
  defaultDays: number | null;
  expiryRequired: boolean;
}) {
  const { ids, expiry, maxDays, defaultDays } = props;
  const until = (days: number) => <span className="muted">({formatDate(isoDay(days))})</span>;
  const choices: Choice[] = [
    ...(defaultDays === null
      ? []
      : [
          {
            id: 'policy',
            value: { kind: 'policy' },
            label: (
              <>
                {defaultDays} days, the default {until(defaultDays)}
              </>
            ),
          } satisfies Choice,
        ]),
    ...PRESETS.map((days): Choice => ({
      id: `days-${days}`,
      value: { kind: 'days', days },
      label: (
        <>
          {days} days {until(days)}
        </>
      ),
      disabled: maxDays !== null && days > maxDays,
    })),
    { id: 'date', value: { kind: 'date' }, label: 'On a date' },
    { id: 'never', value: { kind: 'never' }, label: 'No expiration', disabled: props.expiryRequired },
  ];
  return (
    <div className="expiry-options">
      {choices.map((choice) => (
        <div className="choice inline" key={choice.id}>
          <input
            type="radio"
            name={`${ids}-expiry`}
            id={`${ids}-${choice.id}`}
            checked={sameExpiry(expiry, choice.value)}
            disabled={choice.disabled}
            onChange={() => props.onExpiry(choice.value)}
            aria-describedby={
              choice.id === 'never' && expiry.kind === 'never' ? `${ids}-never-warning` : undefined
            }
          />
          <label htmlFor={`${ids}-${choice.id}`}>{choice.label}</label>
        </div>
      ))}
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
