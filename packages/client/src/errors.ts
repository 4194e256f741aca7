import type { components } from './generated/openapi';

/** Every code the API may put in `error` (from the API document). */
export type ApiErrorCode = components['schemas']['ErrorCode'];

/** Codes of failures the client detects itself, before or instead of an API answer. */
export type ClientErrorCode =
  | 'INVALID_TOKEN_FORMAT'
  | 'INVALID_TOKEN'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'INVALID_RESPONSE'
  | 'WEBHOOK_VERIFICATION_FAILED';

/** Any code an {@link EudrError} carries; switch on it, never on the message. */
export type EudrErrorCode = ApiErrorCode | ClientErrorCode;

/**
 * The base of every error the client throws. Messages come from the API (which never echoes a token)
 * or from the client itself; no error carries the token, a request's headers or its body.
 */
export class EudrError extends Error {
  override readonly name: string = 'EudrError';
  readonly code: EudrErrorCode;
  /** The request id to quote when asking for help (`X-Request-Id`), when a request was sent. */
  readonly requestId: string | undefined;

  constructor(code: EudrErrorCode, message: string, options: { requestId?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.requestId = options.requestId;
  }
}

/** An error answer of the API: its status, code, request id and, for validation errors, the fields. */
export class ApiError extends EudrError {
  override readonly name = 'ApiError';
  readonly status: number;
  /** For VALIDATION_ERROR each bad field and why; for CONFLICT the key fields. */
  readonly details: unknown;
  /** From `Retry-After` (429, 503), in seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    options: { requestId?: string; details?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, options.requestId === undefined ? {} : { requestId: options.requestId });
    this.status = status;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The API could not be reached (or did not answer in time), after every retry the policy allows. */
export class NetworkError extends EudrError {
  override readonly name = 'NetworkError';
  readonly attempts: number;

  constructor(code: 'NETWORK_ERROR' | 'TIMEOUT', message: string, attempts: number, cause: unknown) {
    super(code, message, { cause });
    this.attempts = attempts;
  }
}

/** The token was refused by the client itself (format or checksum): nothing was sent. */
export class TokenFormatError extends EudrError {
  override readonly name = 'TokenFormatError';
}

// A record over the document's codes: the type check fails when the document adds or drops one.
const API_CODE_TABLE: Record<ApiErrorCode, true> = {
  VALIDATION_ERROR: true,
  INVALID_JSON: true,
  BATCH_LIMIT_EXCEEDED: true,
  AUTHENTICATION_REQUIRED: true,
  INVALID_TOKEN_FORMAT: true,
  INVALID_TOKEN: true,
  TOKEN_REVOKED: true,
  TOKEN_EXPIRED: true,
  INVALID_ADMIN_TOKEN: true,
  ADMIN_TOKEN_EXPIRED: true,
  INTEGRATION_INACTIVE: true,
  IP_NOT_ALLOWED: true,
  TOKEN_POLICY_VIOLATION: true,
  INSUFFICIENT_SCOPES: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  CONFLICT: true,
  PAYLOAD_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  RATE_LIMIT_EXCEEDED: true,
  INTERNAL_ERROR: true,
  SERVICE_UNAVAILABLE: true,
  AUTH_UNAVAILABLE: true,
};

/** Every API error code the client knows: the document's `ErrorCode`. */
export const API_ERROR_CODES = Object.keys(API_CODE_TABLE) as ApiErrorCode[];

function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && Object.hasOwn(API_CODE_TABLE, value);
}

/** A fallback code for an error answer without a known code (e.g. a proxy's HTML page). */
function codeForStatus(status: number): ApiErrorCode {
  if (status === 401) return 'AUTHENTICATION_REQUIRED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMIT_EXCEEDED';
  if (status === 503 || status === 502 || status === 504) return 'SERVICE_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'VALIDATION_ERROR';
}

/** The {@link ApiError} of an error answer, from its parsed body (the API envelope) and headers. */
export function apiErrorFrom(response: Response, body: unknown): ApiError {
  const envelope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = isApiErrorCode(envelope['error']) ? envelope['error'] : codeForStatus(response.status);
  const message =
    typeof envelope['message'] === 'string'
      ? envelope['message']
      : `The API answered ${response.status} without an error envelope.`;
  const requestId =
    typeof envelope['requestId'] === 'string'
      ? envelope['requestId']
      : (response.headers.get('x-request-id') ?? undefined);
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiError(response.status, code, message, {
    ...(requestId === undefined ? {} : { requestId }),
    ...(envelope['details'] === undefined ? {} : { details: envelope['details'] }),
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  });
}
