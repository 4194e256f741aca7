import type { IntegrationState, OrgPolicyState, TokenState } from '@eudr/events';
import { z } from 'zod';

/** `POST /internal/introspect`: the SHA-256 of a token, never the token itself. */
export const introspectBodySchema = z.object({
  tokenHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { error: 'must be the SHA-256 of the token as 64 lowercase hex characters' }),
});

/** Why a known token is not active (steps 4 to 6 of the validation order). */
export type InactiveReason = 'TOKEN_REVOKED' | 'TOKEN_EXPIRED' | 'INTEGRATION_INACTIVE';

/**
 * The introspection answer: for a known hash, the same states as on `auth.tokens` and
 * `auth.integrations` (so a resource service can put them straight into its projection), whether the
 * token may be used now, and if not, why; for an unknown hash only `{"active": false}`.
 */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: boolean;
      reason?: InactiveReason;
      token: TokenState;
      integration: IntegrationState | null;
      /** The organisation's token policy; null when it never set one. */
      policy: OrgPolicyState | null;
    };
