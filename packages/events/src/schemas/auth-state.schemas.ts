import { orgIdSchema } from '@eudr/service-kit';
import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './common.schemas';
import { withRawTokenGuard } from './raw-token-guard';

const tokenStateObject = z.object({
  tokenId: idSchema,
  /** SHA-256 of the raw token, lowercase hex. The raw token itself never leaves auth-service. */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
  orgId: orgIdSchema,
  integrationId: idSchema,
  name: z.string().max(200).optional(),
  scopes: z.array(z.string().min(1).max(100)).max(50),
  expiresAt: isoDateTimeSchema.nullable(),
  revokedAt: isoDateTimeSchema.nullable(),
  createdAt: isoDateTimeSchema,
  /** Incremented on every change; consumers ignore anything not newer than what they hold. */
  version: z.number().int().positive(),
});

/**
 * Value of `auth.tokens` (key = tokenId): the token's full current state. Any value containing a raw
 * token (`eudr_live_…`) anywhere is rejected.
 */
export const tokenStateSchema = withRawTokenGuard(tokenStateObject);
/** The full current state of one API token, as published on `auth.tokens`. */
export type TokenState = z.output<typeof tokenStateObject>;

const integrationStateObject = z.object({
  integrationId: idSchema,
  orgId: orgIdSchema,
  status: z.enum(['ACTIVE', 'INACTIVE']),
  rateLimitPerMinute: z.number().int().positive().optional(),
  version: z.number().int().positive(),
});

/** Value of `auth.integrations` (key = integrationId): the integration's full current state. */
export const integrationStateSchema = withRawTokenGuard(integrationStateObject);
/** The full current state of one integration, as published on `auth.integrations`. */
export type IntegrationState = z.output<typeof integrationStateObject>;

const tokenUsageReportObject = z.object({
  /** Which service (and replica) observed the uses. */
  source: z.string().min(1).max(200),
  reports: z
    .array(z.object({ tokenId: idSchema, lastUsedAt: isoDateTimeSchema }))
    .min(1)
    .max(1000),
});

/** Value of `auth.token-usage`: last-used times observed by a resource service, in batches. */
export const tokenUsageReportSchema = withRawTokenGuard(tokenUsageReportObject);
/** A batch of last-used times reported by one resource service. */
export type TokenUsageReport = z.output<typeof tokenUsageReportObject>;

/**
 * The key of heartbeats on the state topics. Token and integration ids never start with `~`, and
 * compaction keeps only the newest heartbeat of each partition.
 */
export const STATE_HEARTBEAT_KEY = '~heartbeat';

const stateHeartbeatObject = z.strictObject({
  type: z.literal('heartbeat'),
  /**
   * Every state change auth-service stored before this instant had been acknowledged by the broker
   * when this heartbeat was sent, so it sits before the heartbeat in its partition.
   */
  upTo: isoDateTimeSchema,
  /** When the heartbeat was sent; `upTo` is never later. */
  sentAt: isoDateTimeSchema,
  /** The auth-service replica that sent it. */
  source: z.string().min(1).max(200),
});

/**
 * Value of a heartbeat on `auth.tokens` and `auth.integrations` (key {@link STATE_HEARTBEAT_KEY}, sent to
 * every partition about once a second): tells readers how current their view of the topic is, even
 * while no state changes.
 */
export const stateHeartbeatSchema = withRawTokenGuard(stateHeartbeatObject);
/** A heartbeat on a state topic. */
export type StateHeartbeat = z.output<typeof stateHeartbeatObject>;
