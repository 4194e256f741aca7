import { authConfigShape } from '@eudr/auth';
import { kafkaConfigShape, outboxConfigShape } from '@eudr/events';
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
 * - the outbox variables of `outboxConfigShape` (`@eudr/events`).
 */
export const configSchema = baseConfigSchema.extend({
  ...authConfigShape,
  ...kafkaConfigShape,
  PORT: envInteger({ min: 0, max: 65_535, fallback: DEFAULT_PORT }),
  ...outboxConfigShape,
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
