import { Router } from 'express';
import { getAdmin } from '@eudr/admin-auth';
import type { Model } from 'mongoose';
import type { IntegrationsService } from '../integrations/integrations.service';
import type { TokenRecord } from '../tokens/token.model';
import type { TokensService } from '../tokens/tokens.service';
import type { TokenAddress, TokenAddressesRepository } from './token-addresses.repository';

/** Most tokens of one integration whose addresses are gathered. */
const MAX_TOKENS = 1_000;

interface AddressResponse {
  address: string;
  lastUsedAt: string | null;
  lastRefusedAt: string | null;
}

function toAddressResponse(row: TokenAddress): AddressResponse {
  return {
    address: row.address,
    lastUsedAt: row.lastUsedAt === null ? null : row.lastUsedAt.toISOString(),
    lastRefusedAt: row.lastRefusedAt === null ? null : row.lastRefusedAt.toISOString(),
  };
}

const later = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/**
 * The client addresses tokens were used from, so an allowlist can be built from real traffic before it
 * is switched on: per token, and per integration (each address with the tokens that used it).
 */
export function addressesRoutes(deps: {
  tokens: Pick<TokensService, 'get'>;
  integrations: Pick<IntegrationsService, 'get'>;
  tokenModel: Model<TokenRecord>;
  addresses: TokenAddressesRepository;
}): Router {
  const router = Router();

  router.get('/integrations/:integrationId/tokens/:tokenId/addresses', async (req, res) => {
    const token = await deps.tokens.get(getAdmin(res), req.params.integrationId, req.params.tokenId);
    const rows = (await deps.addresses.recent([token._id])).get(token._id) ?? [];
    res.json({ data: rows.map(toAddressResponse) });
  });

  router.get('/integrations/:integrationId/addresses', async (req, res) => {
    const admin = getAdmin(res);
    const integration = await deps.integrations.get(admin, req.params.integrationId);
    // The {orgId, integrationId, createdAt, _id} index serves it; newest tokens first.
    const tokens = await deps.tokenModel
      .find({ orgId: admin.orgId, integrationId: integration._id })
      .select({ _id: 1, name: 1 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(MAX_TOKENS)
      .lean<Pick<TokenRecord, '_id' | 'name'>[]>()
      .exec();
    const names = new Map(tokens.map((token) => [token._id, token.name]));
    const byToken = await deps.addresses.recent([...names.keys()]);
    const byAddress = new Map<
      string,
      TokenAddress & { tokens: ({ id: string; name: string } & AddressResponse)[] }
    >();
    for (const [tokenId, rows] of byToken) {
      for (const row of rows) {
        const held = byAddress.get(row.address) ?? {
          address: row.address,
          lastUsedAt: null,
          lastRefusedAt: null,
          tokens: [],
        };
        held.lastUsedAt = later(held.lastUsedAt, row.lastUsedAt);
        held.lastRefusedAt = later(held.lastRefusedAt, row.lastRefusedAt);
        held.tokens.push({ id: tokenId, name: names.get(tokenId) ?? '', ...toAddressResponse(row) });
        byAddress.set(row.address, held);
      }
    }
    const seen = (a: TokenAddress) => later(a.lastUsedAt, a.lastRefusedAt)?.getTime() ?? 0;
    const data = [...byAddress.values()]
      .sort((a, b) => seen(b) - seen(a))
      .map((entry) => ({ ...toAddressResponse(entry), tokens: entry.tokens }));
    res.json({ data });
  });

  return router;
}
