import { STATE_KEY_HINT, isDevelopmentStateKey } from '@eudr/auth';
import { adminJwtConfigIssues, adminJwtConfigShape } from '@eudr/admin-auth';
import { kafkaConfigShape, parseSigningKey } from '@eudr/events';
import {
  ConfigError,
  baseConfigSchema,
  envInteger,
  envPort,
  loadConfig as loadEnvConfig,
} from '@eudr/service-kit';
import type { ConfigIssue, Env } from '@eudr/service-kit';
import { z } from 'zod';
import { parseReporterKeys } from './leaks/reporter-keys';

/** Port of auth-service in the local stack (see infra/services.json). */
export const DEFAULT_PORT = 4001;

const MIN_SECRET_LENGTH = 32;

/**
 * Variables whose values must never appear in an error message. The base loader hides names like
 * `*_SECRET` but not `*_KEY`, so the issues about these are rewritten here as well.
 */
const SECRET_VARIABLES = new Set(['ADMIN_JWT_SECRET', 'INTERNAL_SERVICE_KEY', 'AUTH_STATE_SIGNING_KEY']);

/** `AUTH_STATE_SIGNING_KEY`: parsed into a key, with the parser's message (never the value) on failure. */
const signingKeyField = z.string().transform((value, ctx) => {
  try {
    return parseSigningKey(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; ${STATE_KEY_HINT}` });
    return z.NEVER;
  }
});

function hideValue(issue: ConfigIssue): ConfigIssue {
  if (!SECRET_VARIABLES.has(issue.variable)) return issue;
  const cut = issue.message.lastIndexOf(', got ');
  return cut === -1 ? issue : { ...issue, message: `${issue.message.slice(0, cut)}, got (hidden)` };
}

/**
 * Environment of auth-service: the base variables plus
 *
 * - the admin JWT variables of `adminJwtConfigShape` (`@eudr/auth`): `ADMIN_JWT_SECRET`, or
 *   `ADMIN_JWKS_URL` with `ADMIN_JWT_ISSUER` and `ADMIN_JWT_AUDIENCE`, or both.
 * - `INTERNAL_SERVICE_KEY` (at least 32 characters): what resource services send as `X-Service-Key` to
 *   `POST /internal/introspect`.
 * - `PUBLISH_TIMEOUT_MS` (default 2000): how long an admin request waits for the broker to acknowledge
 *   a state change before answering anyway (the relay publishes it later).
 * - `RELAY_INTERVAL_MS` (default 5000): pause between runs of the relay that republishes unacknowledged states.
 * - `USAGE_FLUSH_MS` (default 1000): how often folded token-usage reports are written to MongoDB.
 * - `AUTH_STATE_SIGNING_KEY` (required): the Ed25519 key every token and integration state and every
 *   heartbeat is signed with, `<keyId>:<base64 PKCS#8 DER>`; resource services list its public half in
 *   `AUTH_STATE_PUBLIC_KEYS`. Production refuses the development key of infra/services.json.
 * - `STATE_HEARTBEAT_INTERVAL_MS` (default 1000): pause between heartbeats on the state topics; resource
 *   services stop trusting their projection `AUTH_MAX_STALENESS_MS` (3000) after the last one.
 * - `EXPIRY_NOTICE_INTERVAL_MS` (default 60000): pause between runs of the expiry notice scheduler.
 * - `AUTH_CLOCK_OFFSET_MS` (default 0; refused in production): how far ahead of the system clock the
 *   expiry notices and `GET /tokens/expiring` run, so tests on a whole stack can move their clock.
 * - `SECRET_SCANNING_PUBLIC_KEYS` (default none): the keys leak reports must be signed with, as GitHub
 *   publishes them (`{"public_keys": [{"key_identifier", "key"}]}`, ECDSA P-256 PEM); without them every
 *   report is refused. `SECRET_SCANNING_REPORTER` (default `github`) names the reporter in the audit log.
 * - the Kafka security variables of `kafkaConfigShape` (`@eudr/events`): `KAFKA_TLS`, `KAFKA_TLS_CA_FILE`,
 *   `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`.
 */
export const configSchema = baseConfigSchema.extend({
  PORT: envPort(DEFAULT_PORT),
  ...adminJwtConfigShape,
  INTERNAL_SERVICE_KEY: z.string().min(MIN_SECRET_LENGTH, {
    error: `must be at least ${MIN_SECRET_LENGTH} characters (e.g. the output of "openssl rand -hex 32")`,
  }),
  PUBLISH_TIMEOUT_MS: envInteger({ min: 1, max: 60_000, fallback: 2_000 }),
  RELAY_INTERVAL_MS: envInteger({ min: 10, max: 3_600_000, fallback: 5_000 }),
  USAGE_FLUSH_MS: envInteger({ min: 10, max: 600_000, fallback: 1_000 }),
  AUTH_STATE_SIGNING_KEY: signingKeyField,
  STATE_HEARTBEAT_INTERVAL_MS: envInteger({ min: 100, max: 10_000, fallback: 1_000 }),
  EXPIRY_NOTICE_INTERVAL_MS: envInteger({ min: 50, max: 3_600_000, fallback: 60_000 }),
  AUTH_CLOCK_OFFSET_MS: envInteger({ min: -3_650 * 86_400_000, max: 3_650 * 86_400_000, fallback: 0 }),
  SECRET_SCANNING_PUBLIC_KEYS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseReporterKeys(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  SECRET_SCANNING_REPORTER: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, { error: 'must be 1 to 40 lowercase letters, digits or dashes' })
    .default('github'),
  ...kafkaConfigShape,
});

/** The parsed configuration of auth-service. */
export type AuthServiceConfig = z.output<typeof configSchema>;

/**
 * Parses the environment. Every bad variable is reported at once, including the admin JWT rules of
 * `adminJwtConfigIssues` (checked here rather than in a zod refinement, which would not run while any
 * other variable is invalid).
 *
 * @throws ConfigError listing every problem.
 */
export function loadConfig(env: Env = process.env): AuthServiceConfig {
  const issues: ConfigIssue[] = [];
  let config: AuthServiceConfig | undefined;
  try {
    config = loadEnvConfig(configSchema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues.map(hideValue));
  }
  issues.push(...adminJwtConfigIssues(env));
  // service-kit's production rule refuses the development value as written; this also catches its key
  // under another key id.
  if (config?.NODE_ENV === 'production' && isDevelopmentStateKey(config.AUTH_STATE_SIGNING_KEY.privateKey)) {
    issues.push({
      variable: 'AUTH_STATE_SIGNING_KEY',
      message: `holds the development value published with the source, refused in production; ${STATE_KEY_HINT}`,
    });
  }
  if (config?.NODE_ENV === 'production' && config.AUTH_CLOCK_OFFSET_MS !== 0) {
    issues.push({
      variable: 'AUTH_CLOCK_OFFSET_MS',
      message: 'moves the clock of expiry notices for tests and is refused in production; unset it',
    });
  }
  if (issues.length > 0 || config === undefined) throw new ConfigError(issues);
  return config;
}
