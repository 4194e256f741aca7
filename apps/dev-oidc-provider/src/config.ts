import { ConfigError, envInteger, envPort, loadConfig as loadEnvConfig, LOG_LEVELS } from '@eudr/service-kit';
import type { Env } from '@eudr/service-kit';
import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

/**
 * Environment of the development OpenID provider:
 *
 * - `PORT` (4010), `HOST` (127.0.0.1), `LOG_LEVEL`;
 * - `DEV_OIDC_ISSUER` (default `http://127.0.0.1:<PORT>`): the issuer, as browsers reach it;
 * - `DEV_OIDC_CLIENT_ID` (`eudr-console`), `DEV_OIDC_AUDIENCE` (`urn:eudr:admin-api`): the console's
 *   client and the admin API's resource indicator, the audience of its JWT access tokens;
 * - `DEV_OIDC_CONSOLE_URLS`: comma list of the console's base URLs (`http://127.0.0.1:8080/console`);
 *   each allows `<url>/callback` and `<url>/signed-out` as redirects and its origin for CORS;
 * - `DEV_OIDC_ACCESS_TOKEN_TTL_S` (900): access token lifetime (the console renews with a refresh token);
 * - `DEV_OIDC_JWKS_FILE`: where to write the public key set at start, for services that read it from a
 *   shared volume (`ADMIN_JWKS_URL=file://…`, docker-compose) rather than over the network.
 *
 * `NODE_ENV=production` is refused: this provider signs in anyone who knows the published password.
 */
const schema = z.object({
  PORT: envPort(4010),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODE_ENV: z.string().default('development'),
  DEV_OIDC_ISSUER: httpUrl.optional(),
  DEV_OIDC_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/)
    .default('eudr-console'),
  DEV_OIDC_AUDIENCE: z.string().min(1).max(200).default('urn:eudr:admin-api'),
  DEV_OIDC_CONSOLE_URLS: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim().replace(/\/+$/, '')))
    .pipe(z.array(httpUrl).min(1)),
  DEV_OIDC_ACCESS_TOKEN_TTL_S: envInteger({ min: 10, max: 86_400, fallback: 900 }),
  DEV_OIDC_JWKS_FILE: z.string().startsWith('/', { error: 'must be an absolute path' }).optional(),
});

/** The parsed configuration, with the issuer resolved. */
export type ProviderConfig = Omit<z.output<typeof schema>, 'DEV_OIDC_ISSUER'> & { DEV_OIDC_ISSUER: string };

/** @throws ConfigError listing every bad variable, or refusing production. */
export function loadConfig(env: Env = process.env): ProviderConfig {
  const config = loadEnvConfig(schema, env);
  if (config.NODE_ENV === 'production') {
    throw new ConfigError([
      {
        variable: 'NODE_ENV',
        message:
          'is "production", but the development OpenID provider never runs in production: it signs in anyone who knows its published password. Point the console and ADMIN_JWKS_URL at your identity provider instead.',
      },
    ]);
  }
  return {
    ...config,
    DEV_OIDC_ISSUER: (config.DEV_OIDC_ISSUER ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, ''),
  };
}
