import { envInteger, envUrl } from '@eudr/service-kit';
import { z } from 'zod';
import type { CreateAuthOptions } from './create-auth';

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
 * - `USAGE_FLUSH_MS` (default 5000): how often token last-used times are reported to auth-service.
 */
export const authConfigShape = {
  AUTH_SERVICE_URL: envUrl(['http:', 'https:']),
  INTERNAL_SERVICE_KEY: z.string().min(MIN_SERVICE_KEY_LENGTH, {
    error: `must be at least ${MIN_SERVICE_KEY_LENGTH} characters, the same value auth-service is configured with`,
  }),
  AUTH_MAX_STALENESS_MS: envInteger({ min: 1_000, max: 3_600_000, fallback: 30_000 }),
  USAGE_FLUSH_MS: envInteger({ min: 10, max: 600_000, fallback: 5_000 }),
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
): Pick<CreateAuthOptions, 'introspection' | 'maxStalenessMs' | 'usage'> {
  return {
    introspection: { url: config.AUTH_SERVICE_URL, serviceKey: config.INTERNAL_SERVICE_KEY },
    maxStalenessMs: config.AUTH_MAX_STALENESS_MS,
    usage: { flushIntervalMs: config.USAGE_FLUSH_MS, source },
  };
}
