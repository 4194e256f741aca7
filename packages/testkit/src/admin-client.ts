import { SignJWT } from 'jose';

/** Options of {@link mintAdminJwt}. */
export interface MintAdminJwtOptions {
  /** The HS256 secret auth-service verifies with (`ADMIN_JWT_SECRET`). */
  secret: string;
  /** The organisation the admin manages (`org` claim). */
  org: string;
  /** The admin's id (`sub`); default `admin-of-<org>`. */
  sub?: string;
  /** The `role` claim; default `admin`. */
  role?: string;
  /** Lifetime from now; default 3600 s. Negative values give an expired token. */
  expiresInSeconds?: number;
}

/**
 * Signs an admin JWT (HS256) with the claims auth-service's admin API expects: `sub`, `org`, `role`,
 * `iat` and `exp`.
 */
export async function mintAdminJwt(options: MintAdminJwtOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return (
    new SignJWT({ org: options.org, role: options.role ?? 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(options.sub ?? `admin-of-${options.org}`)
      // Issued a little in the past, so a server clock slightly behind ours still accepts it.
      .setIssuedAt(now - 30)
      .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
      .sign(new TextEncoder().encode(options.secret))
  );
}

/** An integration as the admin API returns it. */
export interface AdminIntegration {
  id: string;
  name: string;
  description: string;
  status: 'ACTIVE' | 'INACTIVE';
  /** Requests per minute allowed to each of its tokens (its own limit or the platform default). */
  rateLimitPerMinute?: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** A token's metadata as the admin API returns it (never the raw token). */
export interface AdminToken {
  id: string;
  integrationId: string;
  name: string;
  tokenPrefix: string;
  lastFour: string;
  scopes: string[];
  status: 'ACTIVE' | 'REVOKED' | 'EXPIRED';
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The answer to a token creation: the metadata plus the raw token, shown this once. */
export interface AdminCreatedToken extends AdminToken {
  token: string;
}

/** The body of `POST /integrations/:id/tokens`. */
export interface CreateTokenInput {
  name: string;
  scopes: string[];
  /** ISO 8601 with a zone; or use `expiresInDays`. */
  expiresAt?: string;
  expiresInDays?: number;
}

/** A non-2xx answer of the admin API. */
export class AdminApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body)}`);
    this.name = 'AdminApiError';
  }
}

/** A client of auth-service's admin API for one organisation's admin. */
export interface AdminClient {
  /** `POST /integrations` → 201. */
  createIntegration(input: {
    name: string;
    description?: string;
    rateLimitPerMinute?: number;
  }): Promise<AdminIntegration>;
  /** `POST /integrations/:id/tokens` → 201 with the raw token. */
  createToken(integrationId: string, input: CreateTokenInput): Promise<AdminCreatedToken>;
  /** `POST /integrations/:id/tokens/:tokenId/revoke` → 200 (idempotent). */
  revokeToken(integrationId: string, tokenId: string): Promise<AdminToken>;
  /** `PATCH /integrations/:id` with `{status}`. */
  setIntegrationStatus(integrationId: string, status: 'ACTIVE' | 'INACTIVE'): Promise<AdminIntegration>;
  /** `PATCH /integrations/:id` with `{rateLimitPerMinute}` (null: back to the platform default). */
  setRateLimit(integrationId: string, rateLimitPerMinute: number | null): Promise<AdminIntegration>;
}

/** The admin API's base path, under the edge or auth-service itself. */
export const ADMIN_API_PATH = '/api/v1/admin';

/**
 * A small client of the admin API at `baseUrl` (the edge, or auth-service directly), authenticated
 * with `jwt` (see {@link mintAdminJwt}). Every method returns the parsed body and throws
 * {@link AdminApiError} (with status and body) on any non-2xx answer.
 */
export function createAdminClient(baseUrl: string, jwt: string): AdminClient {
  const root = baseUrl.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${root}${ADMIN_API_PATH}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${jwt}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON (e.g. an HTML error page of a proxy): the text itself goes into the error.
    }
    if (!response.ok) throw new AdminApiError(method, `${ADMIN_API_PATH}${path}`, response.status, parsed);
    return parsed as T;
  }

  const segment = encodeURIComponent;
  return {
    createIntegration: (input) => call('POST', '/integrations', input),
    createToken: (integrationId, input) =>
      call('POST', `/integrations/${segment(integrationId)}/tokens`, input),
    revokeToken: (integrationId, tokenId) =>
      call('POST', `/integrations/${segment(integrationId)}/tokens/${segment(tokenId)}/revoke`),
    setIntegrationStatus: (integrationId, status) =>
      call('PATCH', `/integrations/${segment(integrationId)}`, { status }),
    setRateLimit: (integrationId, rateLimitPerMinute) =>
      call('PATCH', `/integrations/${segment(integrationId)}`, { rateLimitPerMinute }),
  };
}
