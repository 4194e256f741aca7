import type { IntegrationState, TokenState } from '@eudr/events';
import type { IntegrationRecord } from '../integrations/integration.model';
import type { TokenRecord } from '../tokens/token.model';

/** The `auth.tokens` value of a stored token: its full current state, never the raw token. */
export function toTokenState(record: TokenRecord): TokenState {
  return {
    tokenId: record._id,
    tokenHash: record.tokenHash,
    orgId: record.orgId,
    integrationId: record.integrationId,
    name: record.name,
    scopes: [...record.scopes],
    expiresAt: record.expiresAt === null ? null : record.expiresAt.toISOString(),
    revokedAt: record.revokedAt === null ? null : record.revokedAt.toISOString(),
    createdAt: record.createdAt.toISOString(),
    version: record.version,
  };
}

/**
 * The `auth.integrations` value of a stored integration. `rateLimitPerMinute` is carried only when the
 * integration has a limit of its own; without it every resource service applies the platform default,
 * so a change of the default needs no republication. Every change of the limit bumps `version`, so
 * replicas pick it up like a status change.
 */
export function toIntegrationState(record: IntegrationRecord): IntegrationState {
  const state: IntegrationState = {
    integrationId: record._id,
    orgId: record.orgId,
    status: record.status,
    version: record.version,
  };
  if (record.rateLimitPerMinute !== undefined && record.rateLimitPerMinute !== null) {
    state.rateLimitPerMinute = record.rateLimitPerMinute;
  }
  return state;
}
