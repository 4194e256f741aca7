const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Grace period of the old token of a rotation when the admin names none: 24 hours. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 60 * 60;
/** Longest grace period of a rotation: 7 days. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 60 * 60;
/** A token not used for this long (or never, this long after its creation) is stale. */
export const STALE_AFTER_DAYS = 90;

/** The expiry notices of a token, in the order they fall due. */
export const EXPIRY_NOTICES = ['7d', '1d', 'expired'] as const;
/** One of {@link EXPIRY_NOTICES}. */
export type ExpiryNotice = (typeof EXPIRY_NOTICES)[number];

/** How long before `expiresAt` each notice falls due. */
const NOTICE_LEAD_MS: Record<ExpiryNotice, number> = { '7d': 7 * DAY_MS, '1d': DAY_MS, expired: 0 };

/** The instant a notice falls due for a token expiring at `expiresAt`. */
export function noticeDueAt(expiresAt: Date, notice: ExpiryNotice): Date {
  return new Date(expiresAt.getTime() - NOTICE_LEAD_MS[notice]);
}

/**
 * The first notice of a token expiring at `expiresAt` that is not in `sent`, with the instant it falls
 * due; null when there is none (no expiry, or all sent). Feeds the `nextNoticeAt` a scheduler waits for.
 */
export function nextExpiryNotice(
  expiresAt: Date | null,
  sent: readonly string[] = [],
): { notice: ExpiryNotice; dueAt: Date } | null {
  if (expiresAt === null) return null;
  const notice = EXPIRY_NOTICES.find((candidate) => !sent.includes(candidate));
  return notice === undefined ? null : { notice, dueAt: noticeDueAt(expiresAt, notice) };
}

/**
 * The notice to send at `now` for a token expiring at `expiresAt`: the most advanced one that is due,
 * so a token created 3 days before its expiry gets the 7-day warning, and a scheduler that was down
 * over both thresholds sends `expired` rather than three stale messages. `skipped` are the earlier
 * ones that will never be sent; `next` is the notice after it (null after `expired`).
 */
export function dueExpiryNotice(
  expiresAt: Date,
  sent: readonly string[],
  now: Date,
): {
  notice: ExpiryNotice;
  skipped: ExpiryNotice[];
  next: { notice: ExpiryNotice; dueAt: Date } | null;
} | null {
  const due = EXPIRY_NOTICES.filter((notice) => noticeDueAt(expiresAt, notice).getTime() <= now.getTime());
  const latest = due.at(-1);
  if (latest === undefined || sent.includes(latest)) return null;
  const skipped = due.slice(0, -1).filter((notice) => !sent.includes(notice));
  return { notice: latest, skipped, next: nextExpiryNotice(expiresAt, [...sent, ...due]) };
}

/**
 * When the old token of a rotation stops working: `graceSeconds` from `now`, or its own expiry when that
 * comes sooner (a rotation never extends a token).
 */
export function rotationGraceEnd(expiresAt: Date | null, now: Date, graceSeconds: number): Date {
  const end = now.getTime() + graceSeconds * 1000;
  return expiresAt !== null && expiresAt.getTime() < end ? expiresAt : new Date(end);
}

/**
 * The expiry of a token issued by rotating one created at `createdAt` and expiring at `expiresAt`:
 * the same lifetime from `now` (a 90-day token gives a 90-day token), or none when it had none.
 */
export function rotatedExpiry(token: { createdAt: Date; expiresAt: Date | null }, now: Date): Date | null {
  if (token.expiresAt === null) return null;
  return new Date(now.getTime() + Math.max(token.expiresAt.getTime() - token.createdAt.getTime(), 0));
}

/** True when a live token has not been used for {@link STALE_AFTER_DAYS} days (counted from creation if never). */
export function isStaleToken(
  token: { createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null },
  now: Date,
): boolean {
  if (token.revokedAt !== null) return false;
  const since = token.lastUsedAt ?? token.createdAt;
  return now.getTime() - since.getTime() >= STALE_AFTER_DAYS * DAY_MS;
}

/** The start of the UTC hour holding `atMs`, in epoch milliseconds: the bucket of hourly usage counts. */
export function usageHour(atMs: number): number {
  return atMs - (((atMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
}
