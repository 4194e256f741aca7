import { envUrl } from '@eudr/service-kit';
import type { ConfigIssue, Env } from '@eudr/service-kit';
import { z } from 'zod';
import { createAdminJwtVerifier } from './admin-jwt';
import type { AdminJwtKeySource, AdminJwtVerifier } from './admin-jwt';

const MIN_SECRET_LENGTH = 32;

/**
 * The environment of every service that verifies admin JWTs; spread it into the service's schema
 * (`baseConfigSchema.extend({ ...adminJwtConfigShape, ... })`) and report
 * {@link adminJwtConfigIssues} together with the schema's own issues:
 *
 * - `ADMIN_JWT_SECRET` (HS256, at least 32 characters) or `ADMIN_JWKS_URL` (asymmetric keys published
 *   by an identity provider): exactly one of them,
 * - `ADMIN_JWT_ISSUER` / `ADMIN_JWT_AUDIENCE`: checked when set.
 */
export const adminJwtConfigShape = {
  ADMIN_JWT_SECRET: z
    .string()
    .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` })
    .optional(),
  ADMIN_JWKS_URL: envUrl(['https:', 'http:']).optional(),
  ADMIN_JWT_ISSUER: z.string().min(1).optional(),
  ADMIN_JWT_AUDIENCE: z.string().min(1).optional(),
};

/** The parsed variables of {@link adminJwtConfigShape}. */
export type AdminJwtConfig = z.output<z.ZodObject<typeof adminJwtConfigShape>>;

/**
 * The rule a schema cannot state while another variable is invalid (a zod refinement would not run):
 * exactly one of `ADMIN_JWT_SECRET` and `ADMIN_JWKS_URL` is set. Empty strings count as unset.
 */
export function adminJwtConfigIssues(env: Env): ConfigIssue[] {
  const hasSecret = (env['ADMIN_JWT_SECRET'] ?? '') !== '';
  const hasJwks = (env['ADMIN_JWKS_URL'] ?? '') !== '';
  if (hasSecret !== hasJwks) return [];
  return [
    {
      variable: 'ADMIN_JWT_SECRET',
      message: hasSecret
        ? 'is set together with ADMIN_JWKS_URL; set exactly one of them'
        : 'is required unless ADMIN_JWKS_URL is set; set exactly one of them',
    },
  ];
}

/**
 * The key source the configuration names.
 * @throws Error when neither variable is set (only possible for a configuration built by hand).
 */
export function adminJwtKeySource(config: AdminJwtConfig): AdminJwtKeySource {
  if (config.ADMIN_JWT_SECRET !== undefined) return { secret: config.ADMIN_JWT_SECRET };
  if (config.ADMIN_JWKS_URL !== undefined) return { jwksUrl: config.ADMIN_JWKS_URL };
  throw new Error('set ADMIN_JWT_SECRET or ADMIN_JWKS_URL');
}

/** The admin JWT verifier of a service configured with {@link adminJwtConfigShape}. */
export function adminJwtVerifierFromConfig(config: AdminJwtConfig): AdminJwtVerifier {
  return createAdminJwtVerifier({
    keys: adminJwtKeySource(config),
    ...(config.ADMIN_JWT_ISSUER === undefined ? {} : { issuer: config.ADMIN_JWT_ISSUER }),
    ...(config.ADMIN_JWT_AUDIENCE === undefined ? {} : { audience: config.ADMIN_JWT_AUDIENCE }),
  });
}
