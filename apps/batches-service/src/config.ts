import { authConfigShape } from '@eudr/auth';
import { adminJwtConfigIssues, adminJwtConfigShape } from '@eudr/admin-auth';
import { kafkaConfigShape, outboxConfigShape } from '@eudr/events';
import { baseConfigSchema, envInteger, loadConfig as loadEnvConfig } from '@eudr/service-kit';
import type { Env } from '@eudr/service-kit';
import type { z } from 'zod';

/** Port of batches-service in the local stack (see infra/services.json). */
export const DEFAULT_PORT = 4003;

/**
 * Environment of batches-service: the base variables, the token authentication variables of
 * `authConfigShape` and the admin JWT variables of `adminJwtConfigShape` (`@eudr/auth`), the Kafka
 * security variables of `kafkaConfigShape` (`@eudr/events`), plus
 *
 * - `PORT` (default 4003; 0 picks a free port, which tests use),
 * - the outbox variables of `outboxConfigShape` (`@eudr/events`).
 */
export const configSchema = baseConfigSchema.extend({
  ...authConfigShape,
  ...kafkaConfigShape,
  ...adminJwtConfigShape,
  PORT: envInteger({ min: 0, max: 65_535, fallback: DEFAULT_PORT }),
  ...outboxConfigShape,
});

/** The parsed configuration of batches-service. */
export type BatchesServiceConfig = z.output<typeof configSchema>;

/**
 * Parses the environment.
 * @throws ConfigError listing every bad variable at once (including the admin JWT rules of
 *   `adminJwtConfigIssues`).
 */
export function loadConfig(env: Env = process.env): BatchesServiceConfig {
  return loadEnvConfig(configSchema, env, adminJwtConfigIssues(env));
}
