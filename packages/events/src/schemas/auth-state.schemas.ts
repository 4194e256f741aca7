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

/** Most entries of an integration's address allowlist. */
export const MAX_ALLOWED_ADDRESSES = 100;

/**
 * One normalised allowlist entry or client address as auth-service writes it: an IPv4 or IPv6 address
 * (RFC 5952 text) or a CIDR range. The longest, an IPv6 range written in full, has 43 characters.
 * Checked for its characters only: readers parse it and let a bad entry match nothing (fail closed).
 */
export const ipEntrySchema = z
  .string()
  .min(2)
  .max(43)
  .regex(/^[0-9a-f.:]+(\/[0-9]{1,3})?$/, 'must be an IP address or CIDR range');

const integrationStateObject = z.object({
  integrationId: idSchema,
  orgId: orgIdSchema,
  status: z.enum(['ACTIVE', 'INACTIVE']),
  rateLimitPerMinute: z.number().int().positive().optional(),
  /**
   * The addresses and ranges its tokens may be used from; absent when unrestricted. Travels with the
   * state so every replica decides from memory.
   */
  allowedAddresses: z.array(ipEntrySchema).min(1).max(MAX_ALLOWED_ADDRESSES).optional(),
  version: z.number().int().positive(),
});

/** One integration's full current state on `auth.integrations` (key = integrationId). */
export const integrationStateSchema = withRawTokenGuard(integrationStateObject);
/** The full current state of one integration, as published on `auth.integrations`. */
export type IntegrationState = z.output<typeof integrationStateObject>;

const orgPolicyStateObject = z.object({
  type: z.literal('org-policy'),
  orgId: orgIdSchema,
  /** Longest lifetime (`expiresAt - createdAt`) a token may have, in days; null for no maximum. */
  maxTokenLifetimeDays: z.number().int().positive().nullable(),
  /** Whether a token without an expiry is refused. A maximum lifetime implies it. */
  requireExpiry: z.boolean(),
  version: z.number().int().positive(),
});

/**
 * An organisation's token policy on `auth.integrations` (key {@link orgPolicyKey}): resource services
 * refuse the organisation's tokens that break it. Rides on the integrations topic so that it is signed,
 * compacted and heartbeaten like every other state.
 */
export const orgPolicyStateSchema = withRawTokenGuard(orgPolicyStateObject);
/** The full current token policy of one organisation. */
export type OrgPolicyState = z.output<typeof orgPolicyStateObject>;

/** The key of an organisation's policy on `auth.integrations`: organisation ids never contain `:`. */
export function orgPolicyKey(orgId: string): string {
  return `policy:${orgId}`;
}

/** Value of `auth.integrations`: an integration's state, or an organisation's token policy. */
export const integrationsTopicSchema = z.union([orgPolicyStateSchema, integrationStateSchema]);
/** A value of `auth.integrations`. */
export type IntegrationsTopicValue = IntegrationState | OrgPolicyState;

/** True for the policy values of `auth.integrations`. */
export function isOrgPolicyState(value: IntegrationsTopicValue): value is OrgPolicyState {
  return 'type' in value && value.type === 'org-policy';
}

/**
 * What became of requests made with a known token, counted per token and hour in usage reports.
 * `authenticated` counts every request that passed the token checks; `INSUFFICIENT_SCOPES` and
 * `RATE_LIMIT_EXCEEDED` are refusals after that, so successes are `authenticated` less those two. The
 * others are refusals by the token checks themselves (401 and 403 codes).
 */
export const USAGE_OUTCOMES = [
  'authenticated',
  'TOKEN_REVOKED',
  'TOKEN_EXPIRED',
  'INTEGRATION_INACTIVE',
  'IP_NOT_ALLOWED',
  'TOKEN_POLICY_VIOLATION',
  'INSUFFICIENT_SCOPES',
  'RATE_LIMIT_EXCEEDED',
] as const;
/** One of {@link USAGE_OUTCOMES}. */
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

/** Most client addresses reported per token in one report. */
export const MAX_ADDRESSES_PER_USAGE_REPORT = 10;

const tokenUsageReportObject = z
  .object({
    /** Which service (and replica) observed the uses. */
    source: z.string().min(1).max(200),
    reports: z
      .array(
        z.object({
          tokenId: idSchema,
          lastUsedAt: isoDateTimeSchema,
          /** The client addresses the token was used from, each with its latest successful use. */
          addresses: z
            .array(z.object({ address: ipEntrySchema, lastUsedAt: isoDateTimeSchema }))
            .max(MAX_ADDRESSES_PER_USAGE_REPORT)
            .optional(),
          /** The User-Agent of the latest use, cut to 200 characters. */
          userAgent: z.string().max(200).optional(),
        }),
      )
      .max(1000),
    /** The reporting process: counts are running totals per instance, so a repeated report adds nothing. */
    instance: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional(),
    /** Requests per token, UTC hour and outcome seen by `instance` since it started (running totals). */
    counts: z
      .array(
        z.object({
          tokenId: idSchema,
          hour: isoDateTimeSchema,
          outcome: z.enum(USAGE_OUTCOMES),
          count: z.number().int().positive(),
        }),
      )
      .max(5000)
      .optional(),
    /** Uses refused because of the client address (IP_NOT_ALLOWED): the latest per token and address. */
    refusals: z
      .array(z.object({ tokenId: idSchema, address: ipEntrySchema, at: isoDateTimeSchema }))
      .max(1000)
      .optional(),
  })
  .refine(
    (value) =>
      value.reports.length > 0 || (value.refusals?.length ?? 0) > 0 || (value.counts?.length ?? 0) > 0,
    { message: 'must report at least one use, refusal or count' },
  )
  .refine((value) => value.counts === undefined || value.instance !== undefined, {
    message: 'counts need the instance that counted them',
    path: ['instance'],
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
