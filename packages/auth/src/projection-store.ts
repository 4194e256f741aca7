import type { IntegrationState, TokenState } from '@eudr/events';

/** What the projection knows about one integration: enough to run step 6 and rate limiting. */
export interface IntegrationStatus {
  status: 'ACTIVE' | 'INACTIVE';
  rateLimitPerMinute?: number;
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
      integrations.set(
        state.integrationId,
        state.rateLimitPerMinute === undefined
          ? { status: state.status, version: state.version }
          : { status: state.status, rateLimitPerMinute: state.rateLimitPerMinute, version: state.version },
      );
      return true;
    },

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
