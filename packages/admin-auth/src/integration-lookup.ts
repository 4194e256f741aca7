import { ADMIN_CHALLENGE } from './admin-jwt';
import {
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
  getCurrentRequestId,
} from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';

/**
 * Whether an integration belongs to the admin's organisation. auth-service owns integrations, so it is
 * asked: `GET /api/v1/admin/integrations/:id` with the admin's own bearer, which it answers exactly as
 * it answers the console. Only the admin routes of batches-service and webhooks-service ask, for an
 * integration id they were given.
 */
export interface IntegrationLookup {
  /**
   * @throws NotFoundError for an unknown integration or another organisation's; the 401 or 403
   *   auth-service answered; ServiceUnavailableError when it did not answer.
   */
  assertOwned(authorization: string, integrationId: string): Promise<void>;
}

/** Options of {@link createIntegrationLookup}. */
export interface IntegrationLookupOptions {
  /** auth-service's base URL, e.g. `http://auth-service:4001`. */
  authServiceUrl: string;
  logger: Logger;
  /** Give up after this long; default 3000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const ADMIN_INTEGRATIONS_PATH = '/api/v1/admin/integrations/';
const UNAUTHORIZED_CODES = ['INVALID_ADMIN_TOKEN', 'ADMIN_TOKEN_EXPIRED'] as const;
type UnauthorizedCode = (typeof UNAUTHORIZED_CODES)[number];

/** The `error` and `message` of an error envelope, when the body is one. */
async function envelopeOf(response: Response): Promise<{ error?: string; message?: string }> {
  const body: unknown = await response.json().catch(() => null);
  if (typeof body !== 'object' || body === null) return {};
  const { error, message } = body as Record<string, unknown>;
  return {
    ...(typeof error === 'string' ? { error } : {}),
    ...(typeof message === 'string' ? { message: message.slice(0, 500) } : {}),
  };
}

/** The lookup against auth-service at `options.authServiceUrl`. */
export function createIntegrationLookup(options: IntegrationLookupOptions): IntegrationLookup {
  const base = options.authServiceUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 3_000;
  const fetchFn = options.fetch ?? fetch;

  return {
    async assertOwned(authorization, integrationId) {
      const requestId = getCurrentRequestId();
      let response: Response;
      try {
        response = await fetchFn(`${base}${ADMIN_INTEGRATIONS_PATH}${encodeURIComponent(integrationId)}`, {
          headers: { authorization, ...(requestId === undefined ? {} : { 'x-request-id': requestId }) },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        options.logger.warn({ err, integrationId }, 'auth-service did not answer an integration lookup');
        throw new ServiceUnavailableError(
          'SERVICE_UNAVAILABLE',
          'The integration cannot be checked right now (auth-service is not answering). Retry shortly.',
        );
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const { error, message } = await envelopeOf(response);
      if (response.status === 404) throw new NotFoundError('Integration not found.');
      // Only when auth-service judges the JWT differently (it expired in between, or the two are
      // configured differently): its answer is the one the admin must act on.
      if (response.status === 401) {
        const code: UnauthorizedCode = UNAUTHORIZED_CODES.find((c) => c === error) ?? 'INVALID_ADMIN_TOKEN';
        throw new UnauthorizedError(code, message ?? 'The admin JWT was not accepted by auth-service.', {
          headers: { 'WWW-Authenticate': `${ADMIN_CHALLENGE}, error="invalid_token"` },
        });
      }
      if (response.status === 403) {
        throw new ForbiddenError('FORBIDDEN', message ?? 'auth-service refused this admin.');
      }
      options.logger.warn(
        { status: response.status, error, integrationId },
        'auth-service answered an integration lookup with an error',
      );
      throw new ServiceUnavailableError(
        'SERVICE_UNAVAILABLE',
        'The integration cannot be checked right now (auth-service answered with an error). Retry shortly.',
      );
    },
  };
}
