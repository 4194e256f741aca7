import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import {
  ForbiddenError,
  ORG_ID_RULE,
  ServiceUnavailableError,
  UnauthorizedError,
  isOrgId,
} from '@eudr/service-kit';
import type { AppError } from '@eudr/service-kit';

/** The admin behind a request: who (`sub`, for the audit log) and which organisation they administer. */
export interface AdminPrincipal {
  sub: string;
  orgId: string;
}

/**
 * How admin JWTs are verified: a shared HS256 secret, the keys an identity provider publishes, or both
 * (the console signs in through the provider while `npm run admin-token` keeps working for curl).
 */
export interface AdminJwtKeySource {
  secret?: string;
  jwksUrl?: string;
}

/** Options of {@link createAdminJwtVerifier}. */
export interface AdminJwtVerifierOptions {
  keys: AdminJwtKeySource;
  /**
   * Required `iss`: the identity provider's. Required with `jwksUrl`; checked on HS256 tokens only when
   * no `jwksUrl` is set (a development token is not the provider's).
   */
  issuer?: string;
  /** Required `aud`, under the same rule as `issuer`. */
  audience?: string;
  /** For a `file:` JWKS: how long a read key set is kept before an unknown key re-reads it; default 5 s. */
  keyFileReloadMs?: number;
  /** Accepted clock skew in seconds for `exp`/`nbf`; default 5. */
  clockToleranceSeconds?: number;
}

/** Verifies an admin JWT and returns its principal. */
export type AdminJwtVerifier = (jwt: string) => Promise<AdminPrincipal>;

/** The realm of admin challenges, distinct from the Integration API's. */
const REALM = 'eudr-admin';

/** `WWW-Authenticate` for a request that sent no credentials (RFC 6750 §3.1: no error code then). */
export const ADMIN_CHALLENGE = `Bearer realm="${REALM}"`;
const INVALID_CHALLENGE = `Bearer realm="${REALM}", error="invalid_token"`;

/** Asymmetric algorithms accepted from a JWKS; HS256 only with a shared secret, never `none`. */
const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const MAX_CLAIM_LENGTH = 200;

function invalid(message: string, cause?: unknown): UnauthorizedError {
  return new UnauthorizedError('INVALID_ADMIN_TOKEN', message, {
    headers: { 'WWW-Authenticate': INVALID_CHALLENGE },
    ...(cause === undefined ? {} : { cause }),
  });
}

function claimString(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH
    ? value
    : undefined;
}

/**
 * The identity provider's keys: fetched from an http(s) URL (cached, refetched for an unknown key), or
 * read from a `file:` URL, a key set on disk (mounted from the provider, say), re-read when a token names
 * a key it does not hold, so the provider's key rotation needs no restart.
 */
function keySet(url: URL, reloadMs: number): JWTVerifyGetKey {
  if (url.protocol !== 'file:') return createRemoteJWKSet(url);
  let readAt = 0;
  const read = () => {
    readAt = Date.now();
    return createLocalJWKSet(JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as JSONWebKeySet);
  };
  let keys: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    keys ??= read();
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - readAt < reloadMs) throw err;
      keys = read();
      return keys(header, token);
    }
  };
}

/** The two key sources an admin JWT may be verified with, each with its options; absent when not set. */
function adminKeys(options: AdminJwtVerifierOptions) {
  const { secret, jwksUrl } = options.keys;
  const strict = (issuer?: string, audience?: string): JWTVerifyOptions => ({
    requiredClaims: ['exp', 'sub'],
    clockTolerance: options.clockToleranceSeconds ?? 5,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
  });
  const hs256 =
    secret === undefined
      ? undefined
      : {
          key: new TextEncoder().encode(secret),
          options: {
            ...(jwksUrl === undefined ? strict(options.issuer, options.audience) : strict()),
            algorithms: ['HS256'],
          },
        };
  const provider =
    jwksUrl === undefined
      ? undefined
      : {
          key: keySet(new URL(jwksUrl), options.keyFileReloadMs ?? 5_000),
          options: { ...strict(options.issuer, options.audience), algorithms: JWKS_ALGORITHMS },
        };
  return { hs256, provider };
}

type AdminKeys = ReturnType<typeof adminKeys>;

/** The header's `alg` picks the key source, so neither is ever tried with the other's tokens. */
async function payloadOf(jwt: string, { hs256, provider }: AdminKeys): Promise<JWTPayload> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch (err) {
    throw invalid('The admin token is not valid: it is malformed or its signature does not verify.', err);
  }
  if (alg === 'HS256') {
    if (hs256 === undefined) {
      throw invalid('The admin token is not valid: sign in through the identity provider.');
    }
    return (await jwtVerify(jwt, hs256.key, hs256.options)).payload;
  }
  if (provider === undefined) {
    throw invalid('The admin token is not valid: it is malformed or its signature does not verify.');
  }
  return (await jwtVerify(jwt, provider.key, provider.options)).payload;
}

/** The API's error for a JWT that did not verify (see {@link createAdminJwtVerifier}). */
function verificationError(err: unknown): AppError {
  if (err instanceof UnauthorizedError) return err;
  if (err instanceof errors.JWTExpired) {
    return new UnauthorizedError(
      'ADMIN_TOKEN_EXPIRED',
      'The admin token has expired. Sign in again to get a new one.',
      {
        headers: { 'WWW-Authenticate': `${INVALID_CHALLENGE}, error_description="expired"` },
        cause: err,
      },
    );
  }
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    return new ServiceUnavailableError(
      'SERVICE_UNAVAILABLE',
      'Admin sign-in cannot be verified right now. Retry shortly.',
      {
        cause: err,
      },
    );
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return invalid(`The admin token is not valid: its "${err.claim}" claim is missing or not accepted.`, err);
  }
  return invalid('The admin token is not valid: it is malformed or its signature does not verify.', err);
}

/** The principal of a verified JWT: a user, the admin role and a well-formed organisation id. */
function principalOf(payload: JWTPayload): AdminPrincipal {
  const sub = claimString(payload, 'sub');
  if (sub === undefined) throw invalid('The admin token is not valid: its "sub" claim must name the user.');
  if (payload['role'] !== 'admin') {
    throw new ForbiddenError(
      'FORBIDDEN',
      'This API is for organisation admins: the token does not carry role "admin".',
    );
  }
  const orgId = claimString(payload, 'org');
  if (orgId === undefined) {
    throw new ForbiddenError('FORBIDDEN', 'The admin token does not name an organisation ("org" claim).');
  }
  // Org ids become parts of keys (`orgId:externalId`): `acme:x` must not be able to reach into `acme`.
  if (!isOrgId(orgId)) {
    throw new ForbiddenError(
      'FORBIDDEN',
      `The admin token's organisation ("org" claim) must be ${ORG_ID_RULE}.`,
    );
  }
  return { sub, orgId };
}

/**
 * Builds the verifier. Failures map to the API's codes:
 *
 * - bad signature, malformed JWT, wrong algorithm, issuer or audience, no `exp` or no `sub` →
 *   401 `INVALID_ADMIN_TOKEN`;
 * - expired → 401 `ADMIN_TOKEN_EXPIRED`, so an admin client knows to sign in again;
 * - valid JWT but `role` is not `admin`, or no `org`, or an `org` that is not an organisation id
 *   (`isOrgId`: 1 to 64 letters, digits, `_` or `-`) → 403 `FORBIDDEN`;
 * - the JWKS cannot be fetched → 503 `SERVICE_UNAVAILABLE`.
 *
 * @throws Error when neither key source is given, or a JWKS URL comes without issuer and audience.
 */
export function createAdminJwtVerifier(options: AdminJwtVerifierOptions): AdminJwtVerifier {
  const { secret, jwksUrl } = options.keys;
  if (secret === undefined && jwksUrl === undefined) throw new Error('set a secret, a JWKS URL or both');
  if (jwksUrl !== undefined && (options.issuer === undefined || options.audience === undefined)) {
    throw new Error('a JWKS URL needs the issuer and audience of the identity provider');
  }
  const keys = adminKeys(options);
  return async (jwt) => {
    let payload: JWTPayload;
    try {
      payload = await payloadOf(jwt, keys);
    } catch (err) {
      throw verificationError(err);
    }
    return principalOf(payload);
  };
}
