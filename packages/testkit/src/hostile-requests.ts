/** One request of the hostile corpus, with the answer the API gives it. */
export interface HostileRequest {
  name: string;
  method: 'GET' | 'POST';
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * The answer of a service of this platform: the Integration API authenticates first, then checks
   * scopes, then validates; the admin API checks the admin JWT first.
   */
  expect: { status: number; error: string };
}

/** Credentials that reach past authentication, so validation meets the hostile values too. */
export interface HostileCredentials {
  /** An integration token with `integration:suppliers:read` and `:write`. */
  token: string;
  /** An admin JWT the services accept. */
  adminJwt: string;
}

export const HOSTILE_INTEGRATION_PATH = '/api/v1/integration/suppliers';
export const HOSTILE_ADMIN_PATH = '/api/v1/admin/integrations';

/**
 * Each value stays under 8 KB so that it passes an nginx edge's default header buffers and reaches
 * the service, as an attacker would arrange.
 */
const SIZE = 7_800;

const repeat = (unit: string, length = SIZE): string => unit.repeat(Math.floor(length / unit.length));

/**
 * Adversarial requests for the Integration API and the admin API: long paths, Authorization values of
 * spaces and tabs, long `key=value` runs, JWT-looking strings, deep JSON. Every one must get its 4xx
 * at the cost of an ordinary rejection, whatever its size (no pattern may backtrack on it).
 */
export function hostileRequests(credentials: HostileCredentials): HostileRequest[] {
  const integration = HOSTILE_INTEGRATION_PATH;
  const admin = HOSTILE_ADMIN_PATH;
  const bearer = `Bearer ${credentials.token}`;
  const adminBearer = `Bearer ${credentials.adminJwt}`;
  const json = { 'content-type': 'application/json' };
  const unauthenticated = { status: 401, error: 'AUTHENTICATION_REQUIRED' };
  const badFormat = { status: 401, error: 'INVALID_TOKEN_FORMAT' };
  const badAdmin = { status: 401, error: 'INVALID_ADMIN_TOKEN' };
  const invalid = { status: 400, error: 'VALIDATION_ERROR' };
  return [
    // Paths: logged (and scrubbed) on every request.
    {
      name: 'admin path of JWT-looking runs',
      method: 'GET',
      path: `/api/v1/admin/${repeat('-eyJaa')}`,
      headers: {},
      expect: unauthenticated,
    },
    {
      name: 'integration path of hyphenated words',
      method: 'GET',
      path: `${integration}/${repeat('a-')}`,
      headers: {},
      expect: unauthenticated,
    },
    {
      name: 'integration path of key=value runs',
      method: 'GET',
      path: `${integration}/${repeat('token=a-')}`,
      headers: {},
      expect: unauthenticated,
    },
    {
      name: 'query of key=value pairs',
      method: 'GET',
      path: `${integration}?${repeat('a=b&')}`,
      headers: {},
      expect: unauthenticated,
    },
    {
      name: 'query of token= pairs',
      method: 'GET',
      path: `${integration}?${repeat('api-token=eyJ-')}`,
      headers: {},
      expect: unauthenticated,
    },
    // Authorization values.
    {
      name: 'Bearer, spaces, one character',
      method: 'GET',
      path: integration,
      headers: { authorization: `Bearer${repeat(' ')}x` },
      expect: badFormat,
    },
    {
      name: 'Bearer, spaces and tabs, one character',
      method: 'GET',
      path: integration,
      headers: { authorization: `Bearer ${repeat(' \t')}x` },
      expect: badFormat,
    },
    {
      name: 'Bearer and JWT-looking runs',
      method: 'GET',
      path: integration,
      headers: { authorization: `Bearer ${repeat('-eyJaa')}` },
      expect: badFormat,
    },
    {
      name: 'Bearer and a token-looking run',
      method: 'GET',
      path: integration,
      headers: { authorization: `Bearer ${repeat('eudr_live_')}` },
      expect: badFormat,
    },
    {
      name: 'admin: Bearer, spaces, one character',
      method: 'GET',
      path: admin,
      headers: { authorization: `Bearer${repeat(' ')}x` },
      expect: badAdmin,
    },
    {
      name: 'admin: Bearer and JWT-looking runs',
      method: 'GET',
      path: admin,
      headers: { authorization: `Bearer ${repeat('-eyJaa')}` },
      expect: badAdmin,
    },
    {
      name: 'admin: a long three-segment JWT lookalike',
      method: 'GET',
      path: admin,
      headers: {
        authorization: `Bearer eyJ${repeat('a', SIZE - 1_000)}.eyJ${repeat('b', 500)}.${repeat('c', 300)}`,
      },
      expect: badAdmin,
    },
    // Other headers, logged or parsed before authentication.
    {
      name: 'User-Agent of secret-named key=value runs',
      method: 'GET',
      path: integration,
      headers: { 'user-agent': repeat('a-token=x;') },
      expect: unauthenticated,
    },
    {
      name: 'User-Agent of URL-scheme lookalikes',
      method: 'GET',
      path: integration,
      headers: { 'user-agent': repeat('a') },
      expect: unauthenticated,
    },
    {
      name: 'X-Request-Id of 8 KB',
      method: 'GET',
      path: integration,
      headers: { 'x-request-id': repeat('a') },
      expect: unauthenticated,
    },
    {
      name: 'X-Forwarded-For of spaces and commas',
      method: 'GET',
      path: integration,
      headers: { 'x-forwarded-for': repeat(' ,\t') },
      expect: unauthenticated,
    },
    {
      name: 'Cookie of key=value runs',
      method: 'GET',
      path: integration,
      headers: { cookie: repeat('a=b; ') },
      expect: unauthenticated,
    },
    {
      name: 'Content-Type with 8 KB of parameters',
      method: 'POST',
      path: integration,
      headers: { 'content-type': `application/json${repeat('; a=b')}` },
      body: '{}',
      expect: unauthenticated,
    },
    // Past authentication: validation meets the hostile values.
    {
      name: 'page of 8 KB of digits',
      method: 'GET',
      path: `${integration}?page=${repeat('1')}`,
      headers: { authorization: bearer },
      expect: invalid,
    },
    {
      name: 'since of 8 KB',
      method: 'GET',
      path: `${integration}?since=2025-01-01T${repeat('1')}`,
      headers: { authorization: bearer },
      expect: invalid,
    },
    {
      name: 'limit given a thousand times',
      method: 'GET',
      path: `${integration}?${repeat('limit=1&')}`,
      headers: { authorization: bearer },
      expect: invalid,
    },
    {
      name: 'deeply nested arrays as the body',
      method: 'POST',
      path: integration,
      headers: { ...json, authorization: bearer },
      body: `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      expect: invalid,
    },
    {
      name: 'deeply nested objects where the list belongs',
      method: 'POST',
      path: integration,
      headers: { ...json, authorization: bearer },
      body: `{"suppliers":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
      expect: invalid,
    },
    {
      name: 'a 600 KB JWT-looking string where a list belongs',
      method: 'POST',
      path: integration,
      headers: { ...json, authorization: bearer },
      body: JSON.stringify({ suppliers: repeat('-eyJaa', 600_000) }),
      expect: invalid,
    },
    {
      name: 'admin: page of 8 KB of digits',
      method: 'GET',
      path: `${admin}?page=${repeat('1')}`,
      headers: { authorization: adminBearer },
      expect: invalid,
    },
  ];
}

/**
 * One ordinary request per request of {@link hostileRequests}, refused with the same status and code
 * at ordinary size: the baseline that shows a crafted request costs no more than a plain one.
 */
export function plainRequests(credentials: HostileCredentials): HostileRequest[] {
  return hostileRequests(credentials).map(({ name, method, path, headers, expect }) => {
    const base = path.startsWith(HOSTILE_ADMIN_PATH) ? HOSTILE_ADMIN_PATH : HOSTILE_INTEGRATION_PATH;
    const plain = { name: `plain: ${name}`, method, path: base, headers: {}, expect };
    switch (expect.error) {
      case 'INVALID_TOKEN_FORMAT':
        return { ...plain, headers: { authorization: 'Bearer eudr_live_123' } };
      case 'INVALID_ADMIN_TOKEN':
        return { ...plain, headers: { authorization: 'Bearer a.b.c' } };
      case 'VALIDATION_ERROR':
        return method === 'POST'
          ? { ...plain, headers, body: JSON.stringify({ suppliers: 'x' }) }
          : { ...plain, path: `${base}?page=x`, headers };
      default:
        return { ...plain, method: 'GET' };
    }
  });
}
