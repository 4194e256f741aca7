import type { UsageOutcome } from '@eudr/events';
import type { UsageHour } from './token-usage.repository';

/** The 401 codes a known token's request can get. */
type UnauthorizedCode = 'TOKEN_REVOKED' | 'TOKEN_EXPIRED';
/** The 403 codes a known token's request can get. */
type ForbiddenCode =
  'INTEGRATION_INACTIVE' | 'IP_NOT_ALLOWED' | 'TOKEN_POLICY_VIOLATION' | 'INSUFFICIENT_SCOPES';

/** Requests by outcome, as the usage endpoint shows them. */
export interface UsageCounts {
  /** Authenticated, within the scopes and the rate limit. */
  success: number;
  unauthorized: Record<UnauthorizedCode, number>;
  forbidden: Record<ForbiddenCode, number>;
  /** 429 RATE_LIMIT_EXCEEDED for the token's limit. */
  rateLimited: number;
}

/** `GET /integrations/:id/tokens/:tokenId/usage`. */
export interface TokenUsageResponse {
  tokenId: string;
  /** The window: from the start of the hour 30 days ago to now. */
  from: string;
  to: string;
  lastUsedAt: string | null;
  lastUsedAddress: string | null;
  lastUsedUserAgent: string | null;
  stale: boolean;
  totals: UsageCounts & { requests: number };
  /** The hours with requests, oldest first. */
  hours: (UsageCounts & { hour: string })[];
}

/** Folds the counted outcomes into what an admin reads; successes are authenticated less the later refusals. */
export function toUsageCounts(counts: Partial<Record<UsageOutcome, number>>): UsageCounts {
  const of = (outcome: UsageOutcome) => counts[outcome] ?? 0;
  return {
    success: Math.max(0, of('authenticated') - of('INSUFFICIENT_SCOPES') - of('RATE_LIMIT_EXCEEDED')),
    unauthorized: { TOKEN_REVOKED: of('TOKEN_REVOKED'), TOKEN_EXPIRED: of('TOKEN_EXPIRED') },
    forbidden: {
      INTEGRATION_INACTIVE: of('INTEGRATION_INACTIVE'),
      IP_NOT_ALLOWED: of('IP_NOT_ALLOWED'),
      TOKEN_POLICY_VIOLATION: of('TOKEN_POLICY_VIOLATION'),
      INSUFFICIENT_SCOPES: of('INSUFFICIENT_SCOPES'),
    },
    rateLimited: of('RATE_LIMIT_EXCEEDED'),
  };
}

/** The sum of the hours' counts, with the number of requests. */
export function usageTotals(hours: readonly UsageHour[]): UsageCounts & { requests: number } {
  const sum: Partial<Record<UsageOutcome, number>> = {};
  for (const { counts } of hours) {
    for (const [outcome, n] of Object.entries(counts) as [UsageOutcome, number][]) {
      sum[outcome] = (sum[outcome] ?? 0) + n;
    }
  }
  const totals = toUsageCounts(sum);
  const refused =
    Object.values(totals.unauthorized).reduce((a, b) => a + b, 0) +
    Object.values(totals.forbidden).reduce((a, b) => a + b, 0) +
    totals.rateLimited;
  return { requests: totals.success + refused, ...totals };
}
