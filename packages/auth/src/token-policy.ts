/** What resource services and auth-service need of an organisation's token policy. */
export interface TokenPolicyLike {
  /** Longest lifetime (`expiresAt - createdAt`) a token may have, in days; null for no maximum. */
  maxTokenLifetimeDays: number | null;
  /** Whether a token without an expiry breaks the policy. A maximum lifetime implies it. */
  requireExpiry: boolean;
}

/** The policy of an organisation that never set one: no restriction. */
export const OPEN_TOKEN_POLICY: Readonly<TokenPolicyLike> = Object.freeze({
  maxTokenLifetimeDays: null,
  requireExpiry: false,
});

/**
 * How a token breaks a policy: it never expires while the policy requires an expiry (or sets a
 * maximum lifetime), or it lives longer than the maximum.
 */
export type TokenPolicyViolation =
  | { kind: 'EXPIRY_REQUIRED'; maxTokenLifetimeDays: number | null }
  | { kind: 'LIFETIME_TOO_LONG'; maxTokenLifetimeDays: number; lifetimeDays: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Slack on a stored token's lifetime: its `expiresAt` is computed from the request's clock and its
 * `createdAt` from the write's, a few milliseconds apart. A minute absorbs that and any rounding of a
 * client that picks "now + N days" itself.
 */
export const TOKEN_LIFETIME_SLACK_MS = 60_000;

function toMs(value: string | Date): number {
  return typeof value === 'string' ? Date.parse(value) : value.getTime();
}

/**
 * Whether a token with this creation instant and expiry breaks `policy`, and how. The lifetime is
 * `expiresAt - createdAt`, so a policy tightened later blocks the long-lived tokens made before it
 * (as GitHub's organisation policy does), and a token that complies keeps complying as time passes.
 * An unparsable instant counts as a violation (fail closed).
 */
export function tokenPolicyViolation(
  token: { createdAt: string | Date; expiresAt: string | Date | null },
  policy: TokenPolicyLike | undefined,
): TokenPolicyViolation | null {
  if (policy === undefined) return null;
  const max = policy.maxTokenLifetimeDays;
  if (token.expiresAt === null) {
    return policy.requireExpiry || max !== null
      ? { kind: 'EXPIRY_REQUIRED', maxTokenLifetimeDays: max }
      : null;
  }
  if (max === null) return null;
  const lifetimeMs = toMs(token.expiresAt) - toMs(token.createdAt);
  if (Number.isNaN(lifetimeMs))
    return { kind: 'LIFETIME_TOO_LONG', maxTokenLifetimeDays: max, lifetimeDays: Infinity };
  if (lifetimeMs <= max * DAY_MS + TOKEN_LIFETIME_SLACK_MS) return null;
  return {
    kind: 'LIFETIME_TOO_LONG',
    maxTokenLifetimeDays: max,
    lifetimeDays: Math.ceil(lifetimeMs / DAY_MS),
  };
}

/** "at most 90 days" / "an expiry": the limit a violation is about, in words. */
function limitText(violation: TokenPolicyViolation): string {
  const max = violation.maxTokenLifetimeDays;
  return max === null
    ? 'requires every token to have an expiry date'
    : `allows a token lifetime of at most ${max} day${max === 1 ? '' : 's'}`;
}

/**
 * The 403 TOKEN_POLICY_VIOLATION message for a token in use, naming the policy, e.g. "The API token
 * breaks its organisation's token policy, which allows a token lifetime of at most 90 days (this token:
 * 365 days). Ask an organisation admin for a new token."
 */
export function tokenPolicyViolationMessage(violation: TokenPolicyViolation): string {
  const which =
    violation.kind === 'EXPIRY_REQUIRED'
      ? 'this token never expires'
      : `this token: ${violation.lifetimeDays} days`;
  return `The API token breaks its organisation's token policy, which ${limitText(violation)} (${which}). Ask an organisation admin for a new token that complies.`;
}

/**
 * Checks the expiry asked for a new (or rotated) token against `policy`, at `now`: null when it
 * complies, else the 400 message naming the limit, e.g. "must be at most 90 days from now: the
 * organisation's token policy allows a token lifetime of at most 90 days".
 */
export function requestedExpiryProblem(
  policy: TokenPolicyLike | undefined,
  expiresAt: Date | null,
  now: Date,
): string | null {
  const violation = tokenPolicyViolation({ createdAt: now, expiresAt }, policy);
  if (violation === null) return null;
  if (violation.kind === 'EXPIRY_REQUIRED') {
    return `is required: the organisation's token policy ${limitText(violation)}${violation.maxTokenLifetimeDays === null ? '' : ' (send expiresAt or expiresInDays)'}`;
  }
  return `must be at most ${violation.maxTokenLifetimeDays} days from now: the organisation's token policy ${limitText(violation)}`;
}
