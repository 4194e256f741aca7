import { fileURLToPath } from 'node:url';
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
 * - `ADMIN_JWKS_URL`: the keys an identity provider publishes (https; plain http only on loopback; or
 *   a `file:` URL of a key set on disk), with `ADMIN_JWT_ISSUER` and `ADMIN_JWT_AUDIENCE`, both
 *   required then and checked on its tokens;
 * - `ADMIN_JWT_SECRET` (HS256, at least 32 characters): development tokens (`npm run admin-token`),
 *   alone or next to the identity provider; `ADMIN_JWT_ISSUER` / `ADMIN_JWT_AUDIENCE` are checked on
 *   them only when no JWKS is set.
 *
 * At least one of the two key sources is required.
 */
export const adminJwtConfigShape = {
  ADMIN_JWT_SECRET: z
    .string()
    .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` })
    .optional(),
  ADMIN_JWKS_URL: envUrl(['https:', 'http:', 'file:']).optional(),
  ADMIN_JWT_ISSUER: z.string().min(1).optional(),
  ADMIN_JWT_AUDIENCE: z.string().min(1).optional(),
};

/** The parsed variables of {@link adminJwtConfigShape}. */
export type AdminJwtConfig = z.output<z.ZodObject<typeof adminJwtConfigShape>>;

/** Hosts whose traffic never leaves the machine: the only ones a JWKS may be fetched from over http. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

// The file itself may appear later (a provider sharing a volume writes it at its start): reading it is
// the verifier's job, which answers 503 while it is missing.
function isLocalFile(url: URL): boolean {
  try {
    return fileURLToPath(url).length > 1;
  } catch {
    return false;
  }
}

/**
 * The rules a schema cannot state while another variable is invalid (a zod refinement would not run):
 * at least one of `ADMIN_JWT_SECRET` and `ADMIN_JWKS_URL`; with a JWKS, an issuer, an audience and an
 * https URL (loopback excepted), since keys fetched in clear text could be swapped on the way. Empty
 * strings count as unset.
 */
export function adminJwtConfigIssues(env: Env): ConfigIssue[] {
  const set = (name: string) => (env[name] ?? '') !== '';
  if (!set('ADMIN_JWKS_URL')) {
    return set('ADMIN_JWT_SECRET')
      ? []
      : [
          {
            variable: 'ADMIN_JWT_SECRET',
            message:
              'is required unless ADMIN_JWKS_URL is set: set the identity provider (ADMIN_JWKS_URL, ADMIN_JWT_ISSUER, ADMIN_JWT_AUDIENCE), a development secret, or both',
          },
        ];
  }
  const issues: ConfigIssue[] = [];
  for (const variable of ['ADMIN_JWT_ISSUER', 'ADMIN_JWT_AUDIENCE']) {
    if (!set(variable)) {
      issues.push({
        variable,
        message: `is required with ADMIN_JWKS_URL: tokens of the identity provider are accepted only for its issuer and this API's audience`,
      });
    }
  }
  let url: URL | undefined;
  try {
    url = new URL(env['ADMIN_JWKS_URL'] ?? '');
  } catch {
    // The schema reports a malformed URL.
  }
  if (url?.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    issues.push({
      variable: 'ADMIN_JWKS_URL',
      message: `must be an https:// URL (plain http only on loopback, e.g. http://127.0.0.1:4010/jwks, or a file:// key set), got ${url.origin}`,
    });
  }
  if (url?.protocol === 'file:' && !isLocalFile(url)) {
    issues.push({
      variable: 'ADMIN_JWKS_URL',
      message: `must name a key set file on this machine (file:///path/jwks.json), got ${url.href}`,
    });
  }
  return issues;
}

/** The key sources the configuration names. */
export function adminJwtKeySource(config: AdminJwtConfig): AdminJwtKeySource {
  return {
    ...(config.ADMIN_JWT_SECRET === undefined ? {} : { secret: config.ADMIN_JWT_SECRET }),
    ...(config.ADMIN_JWKS_URL === undefined ? {} : { jwksUrl: config.ADMIN_JWKS_URL }),
  };
}

/**
 * The admin JWT verifier of a service configured with {@link adminJwtConfigShape}.
 * @throws Error for a configuration that {@link adminJwtConfigIssues} would have reported.
 */
export function adminJwtVerifierFromConfig(config: AdminJwtConfig): AdminJwtVerifier {
  return createAdminJwtVerifier({
    keys: adminJwtKeySource(config),
    ...(config.ADMIN_JWT_ISSUER === undefined ? {} : { issuer: config.ADMIN_JWT_ISSUER }),
    ...(config.ADMIN_JWT_AUDIENCE === undefined ? {} : { audience: config.ADMIN_JWT_AUDIENCE }),
  });
}
