import { Router } from 'express';
import { getAdmin } from '@eudr/admin-auth';
import { parseOrThrow } from '@eudr/service-kit';
import {
  createTokenBodySchema,
  listExpiringQuerySchema,
  listTokensQuerySchema,
  rotateTokenBodySchema,
  toTokenResponse,
} from './tokens.schemas';
import type { CreatedTokenResponse, TokenResponse } from './tokens.schemas';
import type { TokensService } from './tokens.service';

/** `/integrations/:integrationId/tokens...` of the admin API. */
export function tokensRoutes(deps: { tokens: TokensService; clock?: () => Date }): Router {
  const { tokens } = deps;
  const clock = deps.clock ?? (() => new Date());
  const router = Router();
  const createBody = createTokenBodySchema();

  router.post('/integrations/:integrationId/tokens', async (req, res) => {
    const body = parseOrThrow(createBody, req.body);
    const created = await tokens.create(getAdmin(res), req.params.integrationId, body);
    const response: CreatedTokenResponse = { token: created.token, ...toTokenResponse(created.record) };
    // The only response that ever carries a raw token: nothing in between may keep a copy.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(response);
  });

  router.get('/integrations/:integrationId/tokens', async (req, res) => {
    const query = parseOrThrow(listTokensQuerySchema, req.query, 'query');
    // One instant for the filter and the statuses shown, so a token expiring meanwhile is consistent.
    const now = new Date();
    const page = await tokens.list(getAdmin(res), req.params.integrationId, query, now);
    res.json({ ...page, data: page.data.map((record) => toTokenResponse(record, now)) });
  });

  router.get('/integrations/:integrationId/tokens/:tokenId', async (req, res) => {
    const found = await tokens.get(getAdmin(res), req.params.integrationId, req.params.tokenId);
    res.json(toTokenResponse(found));
  });

  router.post('/integrations/:integrationId/tokens/:tokenId/revoke', async (req, res) => {
    const revoked = await tokens.revoke(getAdmin(res), req.params.integrationId, req.params.tokenId);
    res.json(toTokenResponse(revoked));
  });

  router.post('/integrations/:integrationId/tokens/:tokenId/rotate', async (req, res) => {
    const body = parseOrThrow(rotateTokenBodySchema, req.body);
    const rotated = await tokens.rotate(getAdmin(res), req.params.integrationId, req.params.tokenId, body);
    const response: CreatedTokenResponse & { previous: TokenResponse } = {
      token: rotated.token,
      ...toTokenResponse(rotated.record),
      previous: toTokenResponse(rotated.previous),
    };
    // Carries a raw token, like the creation.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(response);
  });

  // The notices' clock, so that the list and the token.expiring events agree (tests may move it).
  router.get('/tokens/expiring', async (req, res) => {
    const query = parseOrThrow(listExpiringQuerySchema, req.query, 'query');
    const now = clock();
    const page = await tokens.listExpiring(getAdmin(res), query, now);
    res.json({ ...page, data: page.data.map((record) => toTokenResponse(record, now)) });
  });

  return router;
}
