import { envInteger, envUrl } from '@eudr/service-kit';
import { z } from 'zod';
import type { CreateAuthOptions } from './create-auth';
import { DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_WINDOW_SECONDS } from './rate-limit';

const MIN_SERVICE_KEY_LENGTH = 32;

/**
 * The environment every resource service reads for token authentication; spread it into the
 * service's schema (`baseConfigSchema.extend({ ...authConfigShape, ... })`) so that each variable is
 * declared, validated and documented once:
 *
 * - `AUTH_SERVICE_URL`: auth-service's base URL, for the introspection fallback on a projection miss,
 * - `INTERNAL_SERVICE_KEY` (at least 32 characters): sent as `X-Service-Key` to that introspection,
 * - `AUTH_MAX_STALENESS_MS` (default 30000): past this long without a successful fetch from Kafka the
 *   token projection is no longer trusted and tokens are validated through introspection,
 * - `USAGE_FLUSH_MS` (default 5000): how often token last-used times are reported to auth-service,
 * - `REDIS_URL` (optional, `redis://` or `rediss://`): the Redis every replica counts requests in; unset
 *   means no rate limiting (a warning at start),
 * - `RATE_LIMIT_WINDOW_SECONDS` (default 60): length of one fixed rate-limit window (tests shorten it),
 * - `AUTH_FAILURE_LIMIT_PER_MINUTE` (default 300): failed authentications per window per client address,
 * - `RATE_LIMIT_KEY_PREFIX` (default `eudr:rl:`): prefix of the Redis keys, so that several deployments
 *   (or test stacks) can share one Redis,
 * - `REDIS_COMMAND_TIMEOUT_MS` (default 200): past this a request stops waiting for Redis and is served
 *   without limiting.
 */
export const authConfigShape = {
  AUTH_SERVICE_URL: envUrl(['http:', 'https:']),
  INTERNAL_SERVICE_KEY: z.string().min(MIN_SERVICE_KEY_LENGTH, {
    error: `must be at least ${MIN_SERVICE_KEY_LENGTH} characters, the same value auth-service is configured with`,
  }),
  AUTH_MAX_STALENESS_MS: envInteger({ min: 1_000, max: 3_600_000, fallback: 30_000 }),
  USAGE_FLUSH_MS: envInteger({ min: 10, max: 600_000, fallback: 5_000 }),
  REDIS_URL: envUrl(['redis:', 'rediss:']).optional(),
  RATE_LIMIT_WINDOW_SECONDS: envInteger({ min: 1, max: 3_600, fallback: DEFAULT_RATE_LIMIT_WINDOW_SECONDS }),
  AUTH_FAILURE_LIMIT_PER_MINUTE: envInteger({
    min: 1,
    max: 1_000_000,
    fallback: DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE,
  }),
  RATE_LIMIT_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,100}$/, { error: 'expected 1 to 100 letters, digits, ":", "_", "." or "-"' })
    .default('eudr:rl:'),
  REDIS_COMMAND_TIMEOUT_MS: envInteger({ min: 10, max: 10_000, fallback: 200 }),
};

/** The parsed variables of {@link authConfigShape}. */
export type AuthConfig = z.output<z.ZodObject<typeof authConfigShape>>;

/**
 * The options of {@link createAuth} that come from {@link AuthConfig}; `source` names this service and
 * replica in usage reports (e.g. `suppliers-service@host:pid`).
 */
export function authOptionsFromConfig(
  config: AuthConfig,
  source: string,
): Pick<CreateAuthOptions, 'introspection' | 'maxStalenessMs' | 'usage' | 'rateLimit'> {
  return {
    introspection: { url: config.AUTH_SERVICE_URL, serviceKey: config.INTERNAL_SERVICE_KEY },
    maxStalenessMs: config.AUTH_MAX_STALENESS_MS,
    usage: { flushIntervalMs: config.USAGE_FLUSH_MS, source },
    rateLimit: {
      redisUrl: config.REDIS_URL,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      failureLimit: config.AUTH_FAILURE_LIMIT_PER_MINUTE,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    },
  };
}
