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
  // Within 45 s either way is "just now": a server clock a little ahead must not read "in a few seconds".
  if (abs < 45_000) return 'just now';
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

/** Whole days from now until `iso`, at least 1 while it is still ahead ("expires in 1 day" at 3 hours). */
export function daysUntil(iso: string, now: number = Date.now()): number {
  const ms = new Date(iso).getTime() - now;
  return ms <= 0 ? 0 : Math.max(1, Math.round(ms / DAY_MS));
}

/** Within this many days an expiry also says "in N days"; within {@link EXPIRY_WARNING_DAYS}, highlighted. */
export const EXPIRY_NEAR_DAYS = 30;
export const EXPIRY_WARNING_DAYS = 7;

export type ExpiryTone = 'never' | 'soon' | 'near' | 'later' | 'past';

/** How a token's expiry reads in the list: the date, and "expires in N days" when near. */
export function describeExpiry(
  expiresAt: string | null,
  now: number = Date.now(),
): { tone: ExpiryTone; text: string; note?: string; detail: string } {
  if (expiresAt === null) return { tone: 'never', text: 'Never', detail: 'No expiry date' };
  const days = daysUntil(expiresAt, now);
  const text = formatDate(expiresAt);
  const detail = formatDateTime(expiresAt);
  if (days <= 0) return { tone: 'past', text, note: `Expired ${relativeTime(expiresAt, now)}`, detail };
  const note = `Expires in ${days} day${days === 1 ? '' : 's'}`;
  if (days <= EXPIRY_WARNING_DAYS) return { tone: 'soon', text, note, detail };
  if (days <= EXPIRY_NEAR_DAYS) return { tone: 'near', text, note, detail };
  return { tone: 'later', text, detail };
}

/** `eudr_live_a1b2c3d4…wxyz`: what an admin can match against the token in their ERP's settings. */
export const tokenHint = (prefix: string, lastFour: string): string =>
  `${prefix.replace(/…$/, '')}…${lastFour}`;

/** The date `days` from now, as `yyyy-mm-dd` for a date input. */
export function isoDay(days: number, now: number = Date.now()): string {
  return new Date(now + days * DAY_MS).toISOString().slice(0, 10);
}
