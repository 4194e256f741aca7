import type { IntegrationState, OrgPolicyState, TokenState } from '@eudr/events';
import type { IntegrationRecord } from '../integrations/integration.model';
import type { PolicyRecord } from '../policy/policy.model';
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
  // Only a non-empty list restricts; without one the state stays as it was before allowlists.
  if (record.allowedAddresses !== undefined && record.allowedAddresses.length > 0) {
    state.allowedAddresses = [...record.allowedAddresses];
  }
  return state;
}

/**
 * The `auth.integrations` value of an organisation's policy (key `policy:<orgId>`): what resource
 * services enforce on tokens in use. The default lifetime only matters when a token is created, so it
 * stays in auth-service.
 */
export function toPolicyState(record: PolicyRecord): OrgPolicyState {
  return {
    type: 'org-policy',
    orgId: record._id,
    maxTokenLifetimeDays: record.maxTokenLifetimeDays,
    requireExpiry: record.requireExpiry,
    version: record.version,
  };
}
