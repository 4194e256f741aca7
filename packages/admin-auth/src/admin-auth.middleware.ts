import type { RequestHandler, Response } from 'express';
import { InternalError, UnauthorizedError } from '@eudr/service-kit';
import { ADMIN_CHALLENGE } from './admin-jwt';
import type { AdminJwtVerifier, AdminPrincipal } from './admin-jwt';

const PRINCIPAL_LOCAL = 'adminPrincipal';

// A compact JWS: three base64url segments. Anything else is rejected before any crypto runs.
const BEARER_JWT = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/**
 * The longest admin Authorization value looked at. Identity providers' JWTs run to 1–2 KB; longer values
 * are refused before any pattern or crypto runs.
 */
export const MAX_ADMIN_AUTHORIZATION_LENGTH = 8_192;

/**
 * Requires an admin JWT as `Authorization: Bearer <jwt>` and stores its principal for the handlers
 * (see {@link getAdmin}). No header → 401 `AUTHENTICATION_REQUIRED`; another scheme, not a JWT or longer
 * than {@link MAX_ADMIN_AUTHORIZATION_LENGTH} → 401 `INVALID_ADMIN_TOKEN`; the rest as the verifier decides.
 */
export function requireAdmin(verify: AdminJwtVerifier): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '') {
      throw new UnauthorizedError(
        'AUTHENTICATION_REQUIRED',
        'Admin authentication required: send an admin JWT as "Authorization: Bearer <jwt>".',
        { headers: { 'WWW-Authenticate': ADMIN_CHALLENGE } },
      );
    }
    const match = header.length > MAX_ADMIN_AUTHORIZATION_LENGTH ? null : BEARER_JWT.exec(header);
    if (match === null || match[1] === undefined) {
      throw new UnauthorizedError(
        'INVALID_ADMIN_TOKEN',
        'Malformed credentials: the Authorization header must be "Bearer <jwt>" with a signed admin JWT.',
        { headers: { 'WWW-Authenticate': `${ADMIN_CHALLENGE}, error="invalid_token"` } },
      );
    }
    (res.locals as Record<string, unknown>)[PRINCIPAL_LOCAL] = await verify(match[1]);
    next();
  };
}

/** The admin of a request that passed {@link requireAdmin}. */
export function getAdmin(res: Response): AdminPrincipal {
  const principal = (res.locals as Record<string, AdminPrincipal | undefined>)[PRINCIPAL_LOCAL];
  // Only reachable if a route is mounted outside requireAdmin: a programming error, not a client one.
  if (principal === undefined) throw new InternalError();
  return principal;
}
