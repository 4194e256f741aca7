import { isScope } from './scopes';
import type { Scope } from './scopes';

/** Every code an authentication or authorisation failure can carry, in validation order. */
export const AUTH_ERROR_CODES = [
  'AUTHENTICATION_REQUIRED',
  'INVALID_TOKEN_FORMAT',
  'INVALID_TOKEN',
  'TOKEN_REVOKED',
  'TOKEN_EXPIRED',
  'INTEGRATION_INACTIVE',
  'IP_NOT_ALLOWED',
  'TOKEN_POLICY_VIOLATION',
  'INSUFFICIENT_SCOPES',
  'AUTH_UNAVAILABLE',
] as const;

/** The code of an authentication or authorisation failure, as sent in the `error` field. */
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** HTTP status and default human message of one auth error code. */
export interface AuthErrorInfo {
  status: 401 | 403 | 503;
  message: string;
}

/**
 * The auth error table: status and message per code. Messages tell the caller what to do and never
 * contain the token, its hash or any part of it.
 */
export const AUTH_ERRORS: Readonly<Record<AuthErrorCode, Readonly<AuthErrorInfo>>> = Object.freeze({
  AUTHENTICATION_REQUIRED: {
    status: 401,
    message: 'Authentication required: send an integration API token as "Authorization: Bearer <token>".',
  },
  INVALID_TOKEN_FORMAT: {
    status: 401,
    message:
      'Malformed credentials: the Authorization header must be "Bearer <token>", where the token is "eudr_live_" followed by 48 lowercase hexadecimal characters.',
  },
  INVALID_TOKEN: {
    status: 401,
    message:
      'The API token is not valid. Check that it was copied completely, or ask an organisation admin for a new token.',
  },
  TOKEN_REVOKED: {
    status: 401,
    message:
      'The API token has been revoked. Ask an organisation admin for a new token for this integration.',
  },
  TOKEN_EXPIRED: {
    status: 401,
    message: 'The API token has expired. Ask an organisation admin for a new token for this integration.',
  },
  INTEGRATION_INACTIVE: {
    status: 403,
    message:
      'The integration this token belongs to is inactive. An organisation admin must reactivate it before its tokens can be used.',
  },
  IP_NOT_ALLOWED: {
    status: 403,
    message:
      "The request comes from an address outside this integration's IP allowlist. Call from one of the listed addresses, or ask an organisation admin to add this one.",
  },
  TOKEN_POLICY_VIOLATION: {
    status: 403,
    message:
      "The API token breaks its organisation's token policy (its lifetime or lack of an expiry). Ask an organisation admin for a new token that complies.",
  },
  INSUFFICIENT_SCOPES: {
    status: 403,
    message: 'The API token does not have the scopes this endpoint requires.',
  },
  AUTH_UNAVAILABLE: {
    status: 503,
    message: 'Authentication is temporarily unavailable, so the request was not processed. Retry shortly.',
  },
});

/** True when `value` is one of the auth error codes. */
export function isAuthErrorCode(value: unknown): value is AuthErrorCode {
  return typeof value === 'string' && (AUTH_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The INSUFFICIENT_SCOPES message naming the scopes the token lacks, e.g. "The API token is missing the
 * required scope integration:suppliers:write." Falls back to the generic message when `missing` is empty.
 */
export function insufficientScopesMessage(missing: readonly Scope[]): string {
  if (missing.length === 0) return AUTH_ERRORS.INSUFFICIENT_SCOPES.message;
  const noun = missing.length === 1 ? 'scope' : 'scopes';
  return `The API token is missing the required ${noun} ${missing.join(', ')}. Ask an organisation admin for a token that includes ${missing.length === 1 ? 'it' : 'them'}.`;
}

/** The realm every challenge names, so clients can tell this API's challenges apart. */
const REALM = 'eudr-integration';

/**
 * The `WWW-Authenticate` value to send with an auth error (RFC 6750 §3), or `undefined` when none is sent.
 *
 * - AUTHENTICATION_REQUIRED: `Bearer realm="eudr-integration"` with no error attribute, because
 *   RFC 6750 §3.1 says a request lacking any authentication information should carry no error code.
 * - Other 401s: `Bearer realm="eudr-integration", error="invalid_token"`.
 * - INSUFFICIENT_SCOPES: `Bearer realm="eudr-integration", error="insufficient_scope", scope="<needed>"`
 *   where `<needed>` is `neededScopes` joined by single spaces: pass every scope the endpoint requires
 *   (RFC 6750 §3: the scope "necessary to access the requested resource"); the attribute is left out
 *   when none are given.
 * - INTEGRATION_INACTIVE, IP_NOT_ALLOWED, TOKEN_POLICY_VIOLATION and AUTH_UNAVAILABLE: `undefined`. The
 *   token is valid and its scopes are not the problem, so neither RFC 6750 error code fits, and only 401
 *   requires a challenge (RFC 9110 §15.5.2).
 *
 * @throws TypeError when a value in `neededScopes` is not a scope name, so that nothing but registry
 *   names can reach the header.
 */
export function wwwAuthenticateHeader(
  code: AuthErrorCode,
  neededScopes?: readonly Scope[],
): string | undefined {
  switch (code) {
    case 'AUTHENTICATION_REQUIRED':
      return `Bearer realm="${REALM}"`;
    case 'INVALID_TOKEN_FORMAT':
    case 'INVALID_TOKEN':
    case 'TOKEN_REVOKED':
    case 'TOKEN_EXPIRED':
      return `Bearer realm="${REALM}", error="invalid_token"`;
    case 'INSUFFICIENT_SCOPES': {
      const needed = neededScopes ?? [];
      if (!needed.every((scope) => isScope(scope))) {
        throw new TypeError('wwwAuthenticateHeader accepts only registered scope names');
      }
      const base = `Bearer realm="${REALM}", error="insufficient_scope"`;
      return needed.length === 0 ? base : `${base}, scope="${[...new Set(needed)].join(' ')}"`;
    }
    case 'INTEGRATION_INACTIVE':
    case 'IP_NOT_ALLOWED':
    case 'TOKEN_POLICY_VIOLATION':
    case 'AUTH_UNAVAILABLE':
      return undefined;
  }
}
