import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createStateVerifier, parsePublicKeys } from '@eudr/events';
import { envInteger, envUrl } from '@eudr/service-kit';
import { ConfigError } from '@eudr/service-kit';
import type { ConfigIssue } from '@eudr/service-kit';
import { z } from 'zod';
import type { CreateAuthOptions } from './create-auth';
import { DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_WINDOW_SECONDS } from './rate-limit';

const MIN_SERVICE_KEY_LENGTH = 32;

/** Default of `AUTH_MAX_STALENESS_MS`: three heartbeat intervals. */
export const DEFAULT_MAX_STALENESS_MS = 3_000;

/**
 * The public half of the development key pair of infra/services.json (key id `dev-1`), whose private
 * half is published there: a production service refuses to sign with it or to trust it.
 */
export const DEVELOPMENT_STATE_PUBLIC_KEY = 'MCowBQYDK2VwAyEA3UloiCt4QIb0DdKFaeuIHp0eI1Vp7DIFshE6xVs8utc=';

/** True when `key` (public or private) is the development key pair's. */
export function isDevelopmentStateKey(key: KeyObject): boolean {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return der.toString('base64') === DEVELOPMENT_STATE_PUBLIC_KEY;
}

/** How to make a key pair, for error messages and docs. */
export const STATE_KEY_HINT =
  'generate a pair with "openssl genpkey -algorithm ed25519 -outform DER | base64 -w0" (the private key, for ' +
  'AUTH_STATE_SIGNING_KEY as <keyId>:<base64>) and "openssl pkey -inform DER -pubout -outform DER | base64 -w0" ' +
  'on the same key (the public key, for AUTH_STATE_PUBLIC_KEYS)';

/** `AUTH_STATE_PUBLIC_KEYS`: parsed into key objects, with the parser's message (never the value) on failure. */
const publicKeysField = z.string().transform((value, ctx) => {
  try {
    return parsePublicKeys(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; ${STATE_KEY_HINT}` });
    return z.NEVER;
  }
});

/**
 * The environment every resource service reads for token authentication; spread it into the
 * service's schema (`baseConfigSchema.extend({ ...authConfigShape, ... })`) so that each variable is
 * declared, validated and documented once:
 *
 * - `AUTH_SERVICE_URL`: auth-service's base URL, for the introspection fallback on a projection miss,
 * - `INTERNAL_SERVICE_KEY` (at least 32 characters): sent as `X-Service-Key` to that introspection,
 * - `AUTH_STATE_PUBLIC_KEYS` (required): auth-service's Ed25519 public keys, a comma list of
 *   `<keyId>:<base64 SPKI DER>`; states read from Kafka without a valid signature by one of them are
 *   dropped. List the new key beside the old one during a rotation. Production refuses the development key.
 * - `AUTH_MAX_STALENESS_MS` (default 3000): past this long behind auth-service's newest heartbeat (sent
 *   every second) the token projection is no longer trusted and tokens are validated through
 *   introspection; it bounds how late a replica can notice a revocation when the state stops flowing,
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
  AUTH_STATE_PUBLIC_KEYS: publicKeysField,
  AUTH_MAX_STALENESS_MS: envInteger({ min: 1_000, max: 3_600_000, fallback: DEFAULT_MAX_STALENESS_MS }),
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

/**
 * Problems of the parsed auth configuration that depend on the environment: in production, trusting
 * the development public key (anyone could sign states with its published private half).
 */
export function authConfigIssues(
  config: Pick<AuthConfig, 'AUTH_STATE_PUBLIC_KEYS'> & { NODE_ENV?: string },
): ConfigIssue[] {
  if (config.NODE_ENV !== 'production') return [];
  const development = [...config.AUTH_STATE_PUBLIC_KEYS].filter(([, key]) => isDevelopmentStateKey(key));
  return development.map(([keyId]) => ({
    variable: 'AUTH_STATE_PUBLIC_KEYS',
    message: `key ${keyId} is the development value published with the source, refused in production; ${STATE_KEY_HINT}`,
  }));
}

/** The parsed variables of {@link authConfigShape}. */
export type AuthConfig = z.output<z.ZodObject<typeof authConfigShape>>;

/**
 * The options of {@link createAuth} that come from {@link AuthConfig}; `source` names this service and
 * replica in usage reports (e.g. `suppliers-service@host:pid`).
 * @throws ConfigError from {@link authConfigIssues} (the development key in production).
 */
export function authOptionsFromConfig(
  config: AuthConfig & { NODE_ENV?: string },
  source: string,
): Pick<CreateAuthOptions, 'introspection' | 'maxStalenessMs' | 'usage' | 'rateLimit' | 'stateVerifier'> {
  const issues = authConfigIssues(config);
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    stateVerifier: createStateVerifier(config.AUTH_STATE_PUBLIC_KEYS),
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
