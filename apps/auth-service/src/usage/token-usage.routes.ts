import { isStaleToken } from '@eudr/auth';
import { getAdmin } from '@eudr/admin-auth';
import { Router } from 'express';
import type { TokensService } from '../tokens/tokens.service';
import { usageWindowStart } from './token-usage.repository';
import type { TokenUsageRepository } from './token-usage.repository';
import { toUsageCounts, usageTotals } from './token-usage.schemas';
import type { TokenUsageResponse } from './token-usage.schemas';

/**
 * `GET /integrations/:integrationId/tokens/:tokenId/usage`: the token's last use (time, client address,
 * User-Agent) and its requests per hour for the last 30 days by outcome. The token is looked up in the
 * admin's organisation first (404 otherwise), so counts are never shown across organisations.
 */
export function tokenUsageRoutes(deps: { tokens: TokensService; usage: TokenUsageRepository }): Router {
  const router = Router();
  router.get('/integrations/:integrationId/tokens/:tokenId/usage', async (req, res) => {
    const token = await deps.tokens.get(getAdmin(res), req.params.integrationId, req.params.tokenId);
    const now = new Date();
    const from = usageWindowStart(now);
    const hours = await deps.usage.hours(token._id, from, now);
    const response: TokenUsageResponse = {
      tokenId: token._id,
      from: from.toISOString(),
      to: now.toISOString(),
      lastUsedAt: token.lastUsedAt === null ? null : token.lastUsedAt.toISOString(),
      lastUsedAddress: token.lastUsedAddress ?? null,
      lastUsedUserAgent: token.lastUsedUserAgent ?? null,
      stale: isStaleToken(token, now),
      totals: usageTotals(hours),
      hours: hours.map(({ hour, counts }) => ({ hour: hour.toISOString(), ...toUsageCounts(counts) })),
    };
    res.json(response);
  });
  return router;
}
