import { authConfigShape } from '@eudr/auth';
import { kafkaConfigShape } from '@eudr/events';
import { baseConfigSchema, envInteger, loadConfig as loadEnvConfig } from '@eudr/service-kit';
import type { Env } from '@eudr/service-kit';
import type { z } from 'zod';

/** Port of suppliers-service in the local stack (see infra/services.json). */
export const DEFAULT_PORT = 4002;

/**
 * Environment of suppliers-service: the base variables, the token authentication variables of
 * `authConfigShape` (`@eudr/auth`), the Kafka security variables of `kafkaConfigShape` (`@eudr/events`),
 * plus
 *
 * - `PORT` (default 4002; 0 picks a free port, which tests use),
 * - `PUBLISH_TIMEOUT_MS` (default 2000): how long an upsert waits for the broker, only while earlier
 *   publishes are still unacknowledged, before answering anyway (its events stay in the outbox),
 * - `RELAY_INTERVAL_MS` (default 5000): pause between runs of the outbox relay,
 * - `RELAY_MIN_AGE_MS` (default 10000): the relay leaves younger outbox documents to the request that
 *   wrote them, which is usually still publishing them (fewer duplicates; none is lost either way).
 */
export const configSchema = baseConfigSchema.extend({
  ...authConfigShape,
  ...kafkaConfigShape,
  PORT: envInteger({ min: 0, max: 65_535, fallback: DEFAULT_PORT }),
  PUBLISH_TIMEOUT_MS: envInteger({ min: 1, max: 60_000, fallback: 2_000 }),
  RELAY_INTERVAL_MS: envInteger({ min: 10, max: 3_600_000, fallback: 5_000 }),
  RELAY_MIN_AGE_MS: envInteger({ min: 0, max: 3_600_000, fallback: 10_000 }),
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
