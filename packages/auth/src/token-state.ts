/**
 * The current state of one token as the token projection holds it: the value of its `auth.tokens`
 * event. Structural on purpose, so the wire schema's inferred type (in the events package) fits it
 * without this package depending on that one. Never contains the raw token.
 */
export interface TokenStateLike {
  tokenId: string;
  tokenHash: string;
  orgId: string;
  integrationId: string;
  scopes: readonly string[];
  /** ISO 8601 instant after which the token is refused, or null for no expiry. */
  expiresAt: string | null;
  /** ISO 8601 instant of revocation, or null while the token is live. */
  revokedAt: string | null;
  version: number;
}

/** Status of an integration; anything but `ACTIVE` (including an unknown integration) refuses its tokens. */
export type IntegrationStatusLike = 'ACTIVE' | 'INACTIVE' | (string & {});

/** Outcome of steps 4 to 6 of the validation order. */
export type TokenStateCheck =
  { ok: true } | { ok: false; code: 'TOKEN_REVOKED' | 'TOKEN_EXPIRED' | 'INTEGRATION_INACTIVE' };

/**
 * Steps 4 to 6 of the validation order, for a token whose hash was found, first failure wins:
 *
 * 4. `revokedAt` set → `TOKEN_REVOKED`;
 * 5. `expiresAt <= now` → `TOKEN_EXPIRED` (the expiry instant itself is already expired); an
 *    `expiresAt` (or `now`) that is not a valid date also counts as expired, failing closed;
 * 6. integration status not `ACTIVE`, or unknown (`undefined`) → `INTEGRATION_INACTIVE`.
 *
 * The address allowlist (7) and the organisation policy (8) are checked by the middleware, scopes (9)
 * per route with `missingScopes`.
 *
 * @param now the current time as a Date or epoch milliseconds, passed in so callers and tests control the clock.
 */
export function evaluateTokenState(
  state: TokenStateLike,
  integrationStatus: IntegrationStatusLike | null | undefined,
  now: Date | number,
): TokenStateCheck {
  if (state.revokedAt !== null) return { ok: false, code: 'TOKEN_REVOKED' };
  if (state.expiresAt !== null) {
    const expiresAtMs = Date.parse(state.expiresAt);
    const nowMs = typeof now === 'number' ? now : now.getTime();
    // NaN compares false with everything, so an unparsable expiry or clock is tested explicitly
    // rather than let through.
    if (Number.isNaN(expiresAtMs) || Number.isNaN(nowMs) || expiresAtMs <= nowMs) {
      return { ok: false, code: 'TOKEN_EXPIRED' };
    }
  }
  if (integrationStatus !== 'ACTIVE') return { ok: false, code: 'INTEGRATION_INACTIVE' };
  return { ok: true };
}
