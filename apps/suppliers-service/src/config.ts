import { baseConfigSchema, envInteger, envUrl, loadConfig as loadEnvConfig } from '@eudr/service-kit';
import type { Env } from '@eudr/service-kit';
import { z } from 'zod';

/** Port of suppliers-service in the local stack (see infra/services.json). */
export const DEFAULT_PORT = 4002;

const MIN_SERVICE_KEY_LENGTH = 32;

/**
 * Environment of suppliers-service: the base variables plus
 *
 * - `PORT` (default 4002; 0 picks a free port, which tests use),
 * - `AUTH_SERVICE_URL`: auth-service's base URL, for the introspection fallback on a projection miss,
 * - `INTERNAL_SERVICE_KEY` (at least 32 characters): sent as `X-Service-Key` to that introspection,
 * - `AUTH_MAX_STALENESS_MS` (default 30000): past this long without a successful fetch from Kafka the
 *   token projection is no longer trusted and tokens are validated through introspection,
 * - `PUBLISH_TIMEOUT_MS` (default 2000): how long an upsert waits for the broker to acknowledge its
 *   events before answering anyway (they stay pending and the relay publishes them),
 * - `RELAY_INTERVAL_MS` (default 5000): pause between runs of the relay that republishes pending events,
 * - `RELAY_MIN_AGE_MS` (default 10000): the relay leaves younger pending events to the request that
 *   wrote them, which is usually still publishing them (fewer duplicates; none is lost either way),
 * - `USAGE_FLUSH_MS` (default 5000): how often token last-used times are reported to auth-service.
 */
export const configSchema = baseConfigSchema.extend({
  PORT: envInteger({ min: 0, max: 65_535, fallback: DEFAULT_PORT }),
  AUTH_SERVICE_URL: envUrl(['http:', 'https:']),
  INTERNAL_SERVICE_KEY: z.string().min(MIN_SERVICE_KEY_LENGTH, {
    error: `must be at least ${MIN_SERVICE_KEY_LENGTH} characters, the same value auth-service is configured with`,
  }),
  AUTH_MAX_STALENESS_MS: envInteger({ min: 1_000, max: 3_600_000, fallback: 30_000 }),
  PUBLISH_TIMEOUT_MS: envInteger({ min: 1, max: 60_000, fallback: 2_000 }),
  RELAY_INTERVAL_MS: envInteger({ min: 10, max: 3_600_000, fallback: 5_000 }),
  RELAY_MIN_AGE_MS: envInteger({ min: 0, max: 3_600_000, fallback: 10_000 }),
  USAGE_FLUSH_MS: envInteger({ min: 10, max: 600_000, fallback: 5_000 }),
});

/** The parsed configuration of suppliers-service. */
export type SuppliersServiceConfig = z.output<typeof configSchema>;

/**
 * Parses the environment.
 * @throws ConfigError listing every bad variable at once.
 */
export function loadConfig(env: Env = process.env): SuppliersServiceConfig {
  return loadEnvConfig(configSchema, env);
}
