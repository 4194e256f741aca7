import type { IntegrationState, OrgPolicyState, TokenState } from '@eudr/events';
import { compileAllowlist } from './address-allowlist';
import type { AddressAllowlist } from './address-allowlist';
import type { TokenPolicyLike } from './token-policy';

/** What the projection knows about one integration: enough to run steps 6 and 7 and rate limiting. */
export interface IntegrationStatus {
  status: 'ACTIVE' | 'INACTIVE';
  rateLimitPerMinute?: number;
  /** The addresses its tokens may be used from, compiled once per state; absent when unrestricted. */
  allowlist?: AddressAllowlist;
  version: number;
}

/** What the projection knows about one organisation's token policy. */
export interface OrgPolicy extends TokenPolicyLike {
  version: number;
}

/**
 * The in-memory state behind a token projection: token states by hash and by id, integration statuses
 * by id. Pure (no I/O), so the version rules are tested without Kafka.
 */
export interface ProjectionStore {
  /** The newest known state of the token with this SHA-256 hash. A map lookup. */
  findByHash(tokenHash: string): TokenState | undefined;
  /** The newest known state of a token by its id. A map lookup. */
  findById(tokenId: string): TokenState | undefined;
  /** The newest known status of an integration. A map lookup. */
  integrationStatus(integrationId: string): IntegrationStatus | undefined;
  /**
   * Upserts a token state if it is newer than the one held (higher `version`); returns whether it was
   * applied. A revocation is final: a newer state without `revokedAt` keeps the held revocation.
   */
  applyToken(state: TokenState): boolean;
  /** Upserts an integration status if it is newer than the one held; returns whether it was applied. */
  applyIntegration(state: IntegrationState): boolean;
  /** The newest known token policy of an organisation (undefined: none set, no restriction). */
  orgPolicy(orgId: string): OrgPolicy | undefined;
  /** Upserts an organisation's policy if it is newer than the one held; returns whether it was applied. */
  applyPolicy(state: OrgPolicyState): boolean;
  /** Forgets an organisation's policy (a tombstone under its policy key). */
  removePolicy(orgId: string): boolean;
  /** Forgets a token (a tombstone on `auth.tokens`, keyed by tokenId). */
  removeToken(tokenId: string): boolean;
  /** Forgets an integration (a tombstone on `auth.integrations`); its tokens then count as inactive. */
  removeIntegration(integrationId: string): boolean;
  size(): { tokens: number; integrations: number };
}

/**
 * Creates an empty store.
 *
 * Version rules: a state is applied only when its `version` is strictly greater than the held one, so
 * duplicates, replays from the beginning and out-of-order deliveries (a late introspection answer, a
 * relay re-publishing an old version) never move a token or an integration backwards.
 *
 * Revocation is final (the admin API has no un-revoke): should a newer state ever arrive without
 * `revokedAt` for a revoked token, the held `revokedAt` is kept. This fails closed on a publisher bug
 * instead of silently reopening a revoked credential.
 */
export function createProjectionStore(): ProjectionStore {
  const byHash = new Map<string, TokenState>();
  const byId = new Map<string, TokenState>();
  const integrations = new Map<string, IntegrationStatus>();
  const policies = new Map<string, OrgPolicy>();
  // Organisation ids, integration ids and scope lists repeat across many tokens; holding one copy of
  // each (instead of one per parsed message) cuts the memory per token noticeably (see the README).
  // Both maps grow with the number of integrations and distinct scope sets, not with tokens.
  const ids = new Map<string, string>();
  const scopeLists = new Map<string, readonly string[]>();
  const intern = (value: string): string => {
    const held = ids.get(value);
    if (held !== undefined) return held;
    ids.set(value, value);
    return value;
  };
  const internScopes = (scopes: readonly string[]): string[] => {
    const key = scopes.join(' ');
    let held = scopeLists.get(key);
    if (held === undefined) {
      held = Object.freeze([...scopes]);
      scopeLists.set(key, held);
    }
    // Frozen and shared: the type says mutable only because the wire type does.
    return held as string[];
  };

  return {
    findByHash: (tokenHash) => byHash.get(tokenHash),
    findById: (tokenId) => byId.get(tokenId),
    integrationStatus: (integrationId) => integrations.get(integrationId),

    applyToken(state) {
      const held = byId.get(state.tokenId);
      if (held !== undefined && state.version <= held.version) return false;
      const next: TokenState = {
        ...state,
        orgId: intern(state.orgId),
        integrationId: intern(state.integrationId),
        scopes: internScopes(state.scopes),
      };
      if (held !== undefined && held.revokedAt !== null && state.revokedAt === null) {
        next.revokedAt = held.revokedAt;
      }
      // A token's hash never changes in practice; if a state says otherwise, the old hash must stop
      // resolving to this token.
      if (held !== undefined && held.tokenHash !== next.tokenHash) byHash.delete(held.tokenHash);
      byId.set(next.tokenId, next);
      byHash.set(next.tokenHash, next);
      return true;
    },

    applyIntegration(state) {
      const held = integrations.get(state.integrationId);
      if (held !== undefined && state.version <= held.version) return false;
      const next: IntegrationStatus = { status: state.status, version: state.version };
      if (state.rateLimitPerMinute !== undefined) next.rateLimitPerMinute = state.rateLimitPerMinute;
      // Compiled here, once per change, so that a request only matches.
      if (state.allowedAddresses !== undefined) next.allowlist = compileAllowlist(state.allowedAddresses);
      integrations.set(state.integrationId, next);
      return true;
    },

    orgPolicy: (orgId) => policies.get(orgId),

    applyPolicy(state) {
      const held = policies.get(state.orgId);
      if (held !== undefined && state.version <= held.version) return false;
      policies.set(state.orgId, {
        maxTokenLifetimeDays: state.maxTokenLifetimeDays,
        requireExpiry: state.requireExpiry,
        version: state.version,
      });
      return true;
    },

    removePolicy: (orgId) => policies.delete(orgId),

    removeToken(tokenId) {
      const held = byId.get(tokenId);
      if (held === undefined) return false;
      byId.delete(tokenId);
      if (byHash.get(held.tokenHash) === held) byHash.delete(held.tokenHash);
      return true;
    },

    removeIntegration: (integrationId) => integrations.delete(integrationId),

    size: () => ({ tokens: byId.size, integrations: integrations.size }),
  };
}
