import { adminJwtConfigIssues, adminJwtConfigShape, authConfigShape } from '@eudr/auth';
import { kafkaConfigShape } from '@eudr/events';
import { ConfigError, baseConfigSchema, envInteger, loadConfig as loadEnvConfig } from '@eudr/service-kit';
import type { ConfigIssue, Env } from '@eudr/service-kit';
import type { z } from 'zod';

/** Port of batches-service in the local stack (see infra/services.json). */
export const DEFAULT_PORT = 4003;

/**
 * Environment of batches-service: the base variables, the token authentication variables of
 * `authConfigShape` and the admin JWT variables of `adminJwtConfigShape` (`@eudr/auth`), the Kafka
 * security variables of `kafkaConfigShape` (`@eudr/events`), plus
 *
 * - `PORT` (default 4003; 0 picks a free port, which tests use),
 * - `PUBLISH_TIMEOUT_MS` (default 2000): while earlier events are still unacknowledged, how long a
 *   write waits for the broker to acknowledge its own before answering anyway (they stay in the
 *   outbox and the relay publishes them),
 * - `RELAY_INTERVAL_MS` (default 5000): pause between runs of the relay,
 * - `RELAY_MIN_AGE_MS` (default 10000): the relay leaves younger outbox documents to the request
 *   that wrote them.
 */
export const configSchema = baseConfigSchema.extend({
  ...authConfigShape,
  ...kafkaConfigShape,
  ...adminJwtConfigShape,
  PORT: envInteger({ min: 0, max: 65_535, fallback: DEFAULT_PORT }),
  PUBLISH_TIMEOUT_MS: envInteger({ min: 1, max: 60_000, fallback: 2_000 }),
  RELAY_INTERVAL_MS: envInteger({ min: 10, max: 3_600_000, fallback: 5_000 }),
  RELAY_MIN_AGE_MS: envInteger({ min: 0, max: 3_600_000, fallback: 10_000 }),
});

/** The parsed configuration of batches-service. */
export type BatchesServiceConfig = z.output<typeof configSchema>;

/**
 * Parses the environment.
 * @throws ConfigError listing every bad variable at once (including the admin JWT rules of
 *   `adminJwtConfigIssues`).
 */
export function loadConfig(env: Env = process.env): BatchesServiceConfig {
  const issues: ConfigIssue[] = [];
  let config: BatchesServiceConfig | undefined;
  try {
    config = loadEnvConfig(configSchema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  issues.push(...adminJwtConfigIssues(env));
  if (issues.length > 0 || config === undefined) throw new ConfigError(issues);
  return config;
}
