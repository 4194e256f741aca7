import { authConfigShape } from '@eudr/auth';
import { adminJwtConfigIssues, adminJwtConfigShape } from '@eudr/admin-auth';
import { kafkaConfigShape } from '@eudr/events';
import { baseConfigSchema, envInteger, envList, loadConfig as loadEnvConfig } from '@eudr/service-kit';
import type { Env } from '@eudr/service-kit';
import { z } from 'zod';

/** Port of webhooks-service in the local stack (see infra/services.json). */
export const DEFAULT_PORT = 4004;

/** The retry schedule of API.md: after 1 s, 5 s and 30 s; then the delivery has failed. */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000] as const;

const KEY_MESSAGE =
  'must be 32 bytes written as 64 hex characters or as base64 (e.g. the output of "openssl rand -hex 32")';

/** A 32-byte AES-256 key given as 64 hex characters or as base64 of 32 bytes. */
const encryptionKey = z
  .string({ error: KEY_MESSAGE })
  .trim()
  .transform((value, ctx) => {
    const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: KEY_MESSAGE });
      return z.NEVER;
    }
    return key;
  });

/**
 * Environment of webhooks-service: the base variables, the token authentication variables of
 * `authConfigShape` and the admin JWT variables of `adminJwtConfigShape` (`@eudr/auth`; the admin
 * routes), the Kafka security variables of `kafkaConfigShape` (`@eudr/events`), plus
 *
 * - `PORT` (default 4004; 0 picks a free port),
 * - `WEBHOOK_SECRET_KEY` (required): the AES-256-GCM key that encrypts subscription secrets at rest,
 * - `WEBHOOK_TARGET_ALLOWLIST` (default none): comma-separated hosts or CIDRs that may be targeted even
 *   though they are private, loopback or link-local (development and tests only),
 * - `WEBHOOK_RETRY_DELAYS_MS` (default `1000,5000,30000`): the pause before each retry; after the last
 *   one fails the delivery is FAILED,
 * - `WEBHOOK_TIMEOUT_MS` (default 10000): an attempt without a complete 2xx answer by then failed,
 * - `WEBHOOK_CONCURRENCY` (default 64): attempts in flight per replica,
 * - `WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY` (default 8): attempts in flight per subscription and replica,
 *   so that one slow receiver cannot take every slot,
 * - `WEBHOOK_MAX_CONSECUTIVE_FAILURES` (default 10): failed attempts in a row that disable a subscription,
 * - `WEBHOOK_LEASE_MS` (default 60000): how long a claimed attempt belongs to its replica; a replica that
 *   crashed mid-attempt leaves it to others after this long. Must exceed the timeout,
 * - `WEBHOOK_POLL_INTERVAL_MS` (default 1000): how often due deliveries are looked up in MongoDB (new
 *   deliveries of this replica's consumer and its own retries do not wait for it),
 * - `WEBHOOK_DRAIN_MS` (default 8000): on shutdown, how long in-flight attempts may finish.
 */
export const configSchema = baseConfigSchema
  .extend({
    ...authConfigShape,
    ...kafkaConfigShape,
    ...adminJwtConfigShape,
    PORT: envInteger({ min: 0, max: 65_535, fallback: DEFAULT_PORT }),
    WEBHOOK_SECRET_KEY: encryptionKey,
    WEBHOOK_TARGET_ALLOWLIST: envList({ itemDescription: 'hosts or CIDRs', fallback: [] }),
    WEBHOOK_RETRY_DELAYS_MS: envList({
      item: /^[0-9]{1,9}$/,
      itemDescription: 'delays in milliseconds, e.g. 1000,5000,30000',
      fallback: DEFAULT_RETRY_DELAYS_MS.map(String),
    }).transform((items) => items.map(Number)),
    WEBHOOK_TIMEOUT_MS: envInteger({ min: 100, max: 120_000, fallback: 10_000 }),
    WEBHOOK_CONCURRENCY: envInteger({ min: 1, max: 10_000, fallback: 64 }),
    WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY: envInteger({ min: 1, max: 1_000, fallback: 8 }),
    WEBHOOK_MAX_CONSECUTIVE_FAILURES: envInteger({ min: 1, max: 1_000, fallback: 10 }),
    WEBHOOK_LEASE_MS: envInteger({ min: 1_000, max: 3_600_000, fallback: 60_000 }),
    WEBHOOK_POLL_INTERVAL_MS: envInteger({ min: 10, max: 600_000, fallback: 1_000 }),
    WEBHOOK_DRAIN_MS: envInteger({ min: 0, max: 600_000, fallback: 8_000 }),
  })
  .refine((config) => config.WEBHOOK_LEASE_MS > config.WEBHOOK_TIMEOUT_MS, {
    path: ['WEBHOOK_LEASE_MS'],
    error: 'must be greater than WEBHOOK_TIMEOUT_MS, or a slow attempt could be sent twice at once',
  });

/** The parsed configuration of webhooks-service. */
export type WebhooksServiceConfig = z.output<typeof configSchema>;

/**
 * Parses the environment.
 * @throws ConfigError listing every bad variable at once (including "exactly one of ADMIN_JWT_SECRET
 *   and ADMIN_JWKS_URL").
 */
export function loadConfig(env: Env = process.env): WebhooksServiceConfig {
  return loadEnvConfig(configSchema, env, adminJwtConfigIssues(env));
}
