import { formatIssuePath, describeIssue } from './zod-issues';
import type { z } from 'zod';

/**
 * Every code the API may put in the `error` field of an error response. The list is closed so that
 * clients can switch on it; add a code here (and to the API documentation) before using it.
 */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'BATCH_LIMIT_EXCEEDED',
  'AUTHENTICATION_REQUIRED',
  'INVALID_TOKEN_FORMAT',
  'INVALID_TOKEN',
  'TOKEN_REVOKED',
  'TOKEN_EXPIRED',
  'INVALID_ADMIN_TOKEN',
  'ADMIN_TOKEN_EXPIRED',
  'INTEGRATION_INACTIVE',
  'IP_NOT_ALLOWED',
  'TOKEN_POLICY_VIOLATION',
  'INSUFFICIENT_SCOPES',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMIT_EXCEEDED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'AUTH_UNAVAILABLE',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes of a 401 response. The first five are the Integration API token codes, in validation order;
 * `INVALID_ADMIN_TOKEN` (bad signature, claims or format of an admin JWT) and `ADMIN_TOKEN_EXPIRED` keep
 * admin sign-in failures apart from integration token failures in logs and in admin clients.
 */
export type UnauthorizedCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'INVALID_TOKEN_FORMAT'
  | 'INVALID_TOKEN'
  | 'TOKEN_REVOKED'
  | 'TOKEN_EXPIRED'
  | 'INVALID_ADMIN_TOKEN'
  | 'ADMIN_TOKEN_EXPIRED';

/** Codes of a 403 response; `FORBIDDEN` covers everything that is not about integration tokens (e.g. a non-admin JWT). */
export type ForbiddenCode =
  'INTEGRATION_INACTIVE' | 'IP_NOT_ALLOWED' | 'TOKEN_POLICY_VIOLATION' | 'INSUFFICIENT_SCOPES' | 'FORBIDDEN';

/** Codes of a 503 response: a dependency is down, or token validation cannot be trusted right now. */
export type ServiceUnavailableCode = 'SERVICE_UNAVAILABLE' | 'AUTH_UNAVAILABLE';

/** True when `value` is one of {@link ERROR_CODES}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Optional parts of an {@link AppError}. */
export interface AppErrorOptions {
  /** Response headers to set with the error, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Readonly<Record<string, string>>;
  /** JSON-serialisable detail sent to the client in `details` (e.g. per-field issues). Never put secrets here. */
  details?: unknown;
  /** Whether the same request may succeed if retried later; defaults per subclass. */
  retriable?: boolean;
  /** The underlying error; logged, never sent. */
  cause?: unknown;
  /** Extra facts for the log line (ids, counts); never sent to the client. */
  context?: Readonly<Record<string, unknown>>;
}

/**
 * Base of every error the API reports on purpose. `message` is sent to the client as is, so it must be
 * written for the caller and never contain secrets or internals; put those in `cause` or `context`.
 */
export class AppError extends Error {
  /** The `error` field of the response. */
  readonly code: ErrorCode;
  /** HTTP status of the response. */
  readonly status: number;
  /** Whether retrying the same request later may succeed. */
  readonly retriable: boolean;
  /** Headers the error middleware sets on the response. */
  readonly headers: Readonly<Record<string, string>>;
  /** Sent to the client as `details` when defined. */
  readonly details: unknown;
  /** Logged with the error, never sent. */
  readonly context: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.retriable = options.retriable ?? (status === 429 || status === 503);
    this.headers = Object.freeze({ ...options.headers });
    this.details = options.details;
    this.context = options.context;
  }
}

/** 400 VALIDATION_ERROR: the request is well-formed JSON but breaks the schema. The message names the fields. */
export class ValidationError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('VALIDATION_ERROR', 400, message, options);
  }
}

/** 400 INVALID_JSON: the body is not parseable JSON. */
export class InvalidJsonError extends AppError {
  constructor(message = 'The request body is not valid JSON.', options?: AppErrorOptions) {
    super('INVALID_JSON', 400, message, options);
  }
}

/** 400 BATCH_LIMIT_EXCEEDED: more records in one request than allowed (500 for bulk upserts). */
export class BatchLimitExceededError extends AppError {
  constructor(message = 'Too many records in one request.', options?: AppErrorOptions) {
    super('BATCH_LIMIT_EXCEEDED', 400, message, options);
  }
}

/** 401: missing or unusable credentials. Pass the RFC 6750 `WWW-Authenticate` challenge in `options.headers`. */
export class UnauthorizedError extends AppError {
  declare readonly code: UnauthorizedCode;
  constructor(code: UnauthorizedCode, message: string, options?: AppErrorOptions) {
    super(code, 401, message, options);
  }
}

/** 403: the caller is known but may not do this. */
export class ForbiddenError extends AppError {
  declare readonly code: ForbiddenCode;
  constructor(
    code: ForbiddenCode = 'FORBIDDEN',
    message = 'You are not allowed to perform this action.',
    options?: AppErrorOptions,
  ) {
    super(code, 403, message, options);
  }
}

/** 404 NOT_FOUND. */
export class NotFoundError extends AppError {
  constructor(message = 'The requested resource was not found.', options?: AppErrorOptions) {
    super('NOT_FOUND', 404, message, options);
  }
}

/** 409 CONFLICT: the request collides with existing state (a unique key, a concurrent change). */
export class ConflictError extends AppError {
  constructor(message = 'The request conflicts with an existing record.', options?: AppErrorOptions) {
    super('CONFLICT', 409, message, options);
  }
}

/** 413 PAYLOAD_TOO_LARGE: the body exceeds the configured limit. */
export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large.', options?: AppErrorOptions) {
    super('PAYLOAD_TOO_LARGE', 413, message, options);
  }
}

/** 415 UNSUPPORTED_MEDIA_TYPE: a body was sent with a Content-Type the endpoint does not accept. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(
    message = 'The request body must be sent as Content-Type: application/json.',
    options?: AppErrorOptions,
  ) {
    super('UNSUPPORTED_MEDIA_TYPE', 415, message, options);
  }
}

/** 429 RATE_LIMIT_EXCEEDED with `Retry-After` in whole seconds (at least 1). Other headers (X-RateLimit-*) go in `options.headers`. */
export class RateLimitError extends AppError {
  /** Seconds the client should wait before retrying, as sent in `Retry-After`. */
  readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    message = 'Rate limit exceeded. Retry after the time given in Retry-After.',
    options: AppErrorOptions = {},
  ) {
    const seconds = Math.max(1, Math.ceil(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 1));
    super('RATE_LIMIT_EXCEEDED', 429, message, {
      ...options,
      headers: { ...options.headers, 'Retry-After': String(seconds) },
    });
    this.retryAfterSeconds = seconds;
  }
}

/** Options of a {@link ServiceUnavailableError}: adds an optional `Retry-After`. */
export interface ServiceUnavailableOptions extends AppErrorOptions {
  retryAfterSeconds?: number;
}

/** 503 SERVICE_UNAVAILABLE (a dependency is down) or AUTH_UNAVAILABLE (token validation cannot be trusted). Retriable. */
export class ServiceUnavailableError extends AppError {
  declare readonly code: ServiceUnavailableCode;
  constructor(
    code: ServiceUnavailableCode = 'SERVICE_UNAVAILABLE',
    message = 'The service is temporarily unavailable. Retry shortly.',
    options: ServiceUnavailableOptions = {},
  ) {
    const { retryAfterSeconds, ...rest } = options;
    const headers =
      retryAfterSeconds === undefined
        ? rest.headers
        : { ...rest.headers, 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
    super(code, 503, message, { ...rest, headers });
  }
}

/** The message every unexpected failure gets, so that nothing about the internals reaches the client. */
export const INTERNAL_ERROR_MESSAGE = 'An internal error occurred. Quote the request id when reporting it.';

/** 500 INTERNAL_ERROR. The message is sent to the client: keep internals in `cause`/`context`. */
export class InternalError extends AppError {
  constructor(message = INTERNAL_ERROR_MESSAGE, options?: AppErrorOptions) {
    super('INTERNAL_ERROR', 500, message, options);
  }
}

/** One field-level problem, as sent in the `details` of a VALIDATION_ERROR. */
export interface FieldIssue {
  /** Path of the field, e.g. `suppliers[3].email`, or the root label for the input as a whole. */
  field: string;
  /** Why it is wrong, e.g. `must be at most 100 characters`. */
  message: string;
}

/** Options of {@link validationErrorFromZod}. */
export interface ZodToValidationOptions {
  /** Names the input as a whole when an issue concerns it rather than a field; default `request body`. */
  rootLabel?: string;
  /** How many issues the message lists before saying "and N more"; `details` always holds all (up to 100). */
  maxIssuesInMessage?: number;
}

const MAX_DETAILS = 100;

/**
 * Turns a zod error into a {@link ValidationError} whose message names each field and why, e.g.
 * `name: must be at most 100 characters; suppliers[0].email: must be a valid email address`, and whose
 * `details` lists them as {@link FieldIssue}s. Custom messages given in a schema are kept as written.
 */
export function validationErrorFromZod(
  error: z.core.$ZodError,
  options: ZodToValidationOptions = {},
): ValidationError {
  const maxInMessage = options.maxIssuesInMessage ?? 10;
  const issues: FieldIssue[] = error.issues.slice(0, MAX_DETAILS).map((issue) => ({
    field: formatIssuePath(issue.path) || (options.rootLabel ?? 'request body'),
    message: describeIssue(issue),
  }));
  const shown = issues.slice(0, maxInMessage).map((issue) => `${issue.field}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  const message =
    shown.length === 0
      ? 'The request is invalid.'
      : shown.join('; ') + (more > 0 ? `; and ${more} more issue${more === 1 ? '' : 's'}` : '');
  return new ValidationError(message, { details: issues, cause: error });
}

/**
 * `input` parsed with `schema`, or the 400 VALIDATION_ERROR naming every bad field. `rootLabel` names
 * the input when it is wrong as a whole (e.g. no JSON body at all, or `query`).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  rootLabel = 'request body',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFromZod(result.error, { rootLabel });
  return result.data;
}
