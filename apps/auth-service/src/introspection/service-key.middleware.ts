import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '@eudr/service-kit';

/** The header internal callers authenticate with. */
export const SERVICE_KEY_HEADER = 'X-Service-Key';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Requires `X-Service-Key` to equal the configured key, else 401 `AUTHENTICATION_REQUIRED`. Compares
 * SHA-256 digests in constant time: equal lengths for `timingSafeEqual`, and nothing learned about
 * the key's length or prefix from response times.
 */
export function requireServiceKey(serviceKey: string): RequestHandler {
  const expected = digest(serviceKey);
  return (req, _res, next) => {
    const sent = req.headers['x-service-key'];
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), expected)) {
      throw new UnauthorizedError(
        'AUTHENTICATION_REQUIRED',
        `This endpoint is internal: send the service key in ${SERVICE_KEY_HEADER}.`,
      );
    }
    next();
  };
}
