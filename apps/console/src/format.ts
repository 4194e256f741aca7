const DAY_MS = 24 * 60 * 60 * 1000;

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "5 Dec 2026, 14:20" in the admin's time zone. */
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));
export const formatDate = (iso: string | Date): string => dateOnly.format(new Date(iso));

/** "3 minutes ago", "in 12 days", "yesterday". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff <= 0 ? 'just now' : 'in a few seconds';
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['minute', 60_000],
    ['hour', 3_600_000],
    ['day', DAY_MS],
    ['month', 30 * DAY_MS],
    ['year', 365 * DAY_MS],
  ];
  let chosen = units[0] as [Intl.RelativeTimeFormatUnit, number];
  for (const unit of units) if (abs >= unit[1] * 0.9) chosen = unit;
  return relativeFormat.format(Math.round(diff / chosen[1]), chosen[0]);
}

/** Whole days from now until `iso`, rounded up (a token expiring in 3 hours expires "in 1 day"). */
export const daysUntil = (iso: string, now: number = Date.now()): number =>
  Math.ceil((new Date(iso).getTime() - now) / DAY_MS);

/** Within this many days, an expiry is shown as "expires in N days" and highlighted. */
export const EXPIRY_WARNING_DAYS = 14;

export type ExpiryTone = 'never' | 'soon' | 'later' | 'past';

/** How a token's expiry reads in the list. */
export function describeExpiry(expiresAt: string | null, now: number = Date.now()) {
  if (expiresAt === null) return { tone: 'never' as ExpiryTone, text: 'Never', detail: 'No expiry date' };
  const days = daysUntil(expiresAt, now);
  const detail = formatDateTime(expiresAt);
  if (days <= 0)
    return { tone: 'past' as ExpiryTone, text: `Expired ${relativeTime(expiresAt, now)}`, detail };
  if (days <= EXPIRY_WARNING_DAYS) {
    return { tone: 'soon' as ExpiryTone, text: `Expires in ${days} day${days === 1 ? '' : 's'}`, detail };
  }
  return { tone: 'later' as ExpiryTone, text: formatDate(expiresAt), detail };
}

export const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count.toLocaleString('en-GB')} ${count === 1 ? one : many}`;

/** `eudr_live_a1b2c3d4…wxyz`: what an admin can match against the token in their ERP's settings. */
export const tokenHint = (prefix: string, lastFour: string): string => `${prefix}…${lastFour}`;

/** The date `days` from now, as `yyyy-mm-dd` for a date input. */
export function isoDay(days: number, now: number = Date.now()): string {
  return new Date(now + days * DAY_MS).toISOString().slice(0, 10);
}
