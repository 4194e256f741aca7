import { Router } from 'express';
import { getAuthContext, hashToken, parseAuthorizationHeader } from '@eudr/auth';
import type { Auth, RouteAuth } from '@eudr/auth';

/** Path of the "who am I" route: what the calling token is and may do. */
export const TOKEN_INFO_PATH = '/api/v1/integration/token';

/** Dependencies of {@link createTokenInfoRouter}. */
export interface TokenInfoRouterDeps {
  auth: RouteAuth;
  /** The projection `authenticate` decided from: it also holds the token's name and expiry. */
  projection: Pick<Auth['projection'], 'findByHash'>;
}

/** The body of `GET /api/v1/integration/token`. */
export interface TokenInfo {
  id: string;
  name: string;
  scopes: readonly string[];
  expiresAt: string | null;
  createdAt: string;
  integrationId: string;
  orgId: string;
}

/**
 * `GET /`: the calling token's id, name, scopes, expiry and integration, for a connector to check its
 * setup at start. Any valid token may ask (no scope), and the call goes through the same
 * authentication and rate limit as every integration call, so it is counted like one.
 */
export function createTokenInfoRouter(deps: TokenInfoRouterDeps): Router {
  const router = Router();
  router.get('/', deps.auth.authenticate, (req, res) => {
    const context = getAuthContext(req);
    // authenticate read this state from the projection in the same tick, so it is there; only a
    // routing mistake could make it miss (answered with 500).
    const parsed = parseAuthorizationHeader(req.headersDistinct['authorization']);
    const state = parsed.ok ? deps.projection.findByHash(hashToken(parsed.token)) : undefined;
    if (state === undefined || state.tokenId !== context.tokenId) {
      throw new Error('the projection does not hold the token authenticate accepted');
    }
    const body: TokenInfo = {
      id: state.tokenId,
      name: state.name ?? '',
      scopes: state.scopes,
      expiresAt: state.expiresAt,
      createdAt: state.createdAt,
      integrationId: state.integrationId,
      orgId: state.orgId,
    };
    res.json(body);
  });
  return router;
}
