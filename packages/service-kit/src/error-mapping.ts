import { z } from 'zod';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  InternalError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  validationErrorFromZod,
} from './errors';

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null;
}

/** MongoDB server codes for a unique index violation (11000; 11001 and 12582 from old servers and mongos). */
const DUPLICATE_KEY_CODES = new Set([11000, 11001, 12582]);

/** True for the server code of a unique index violation, e.g. one write error of a bulk write. */
export function isDuplicateKeyCode(code: unknown): boolean {
  return typeof code === 'number' && DUPLICATE_KEY_CODES.has(code);
}

/** What a duplicate key error tells about the index it broke. */
export interface DuplicateKeyInfo {
  /** Fields of the unique index, e.g. `['orgId', 'externalId']`; empty when the server did not say. */
  fields: string[];
  /** Index name when known, e.g. `orgId_1_externalId_1`. */
  index?: string;
}

/**
 * Recognises a MongoDB duplicate key error (from the driver, mongoose, a bulk write, or wrapped in
 * `cause`) by its shape, without importing either library, and tells which key fields collided.
 * Never returns the duplicated values (`keyValue`): they are caller data and may be personal data.
 */
export function findDuplicateKey(err: unknown, depth = 0): DuplicateKeyInfo | undefined {
  if (!isObject(err) || depth > 3) return undefined;
  if (isDuplicateKeyCode(err.code)) return describeDuplicate(err);
  if (Array.isArray(err.writeErrors)) {
    for (const writeError of err.writeErrors as unknown[]) {
      const found =
        findDuplicateKey(writeError, depth + 1) ??
        (isObject(writeError) ? findDuplicateKey(writeError.err, depth + 1) : undefined);
      if (found) return found;
    }
  }
  return findDuplicateKey(err.cause, depth + 1);
}

function describeDuplicate(err: Obj): DuplicateKeyInfo {
  const pattern =
    err.keyPattern ??
    (isObject(err.errorResponse) ? err.errorResponse.keyPattern : undefined) ??
    (isObject(err.err) ? err.err.keyPattern : undefined);
  const message = [
    err.errmsg,
    err.message,
    isObject(err.errorResponse) ? err.errorResponse.errmsg : undefined,
  ].find((m): m is string => typeof m === 'string');
  const index = message === undefined ? undefined : /index: (\S+)/.exec(message)?.[1];
  if (isObject(pattern)) return { fields: Object.keys(pattern), index };
  if (index !== undefined) return { fields: fieldsFromIndexName(index), index };
  return { fields: [] };
}

/** `orgId_1_externalId_-1` → `['orgId', 'externalId']`; a custom index name gives `[]`. */
function fieldsFromIndexName(name: string): string[] {
  const parts = name.split(/_(?:-?1|text|2d|2dsphere|hashed)(?:_|$)/);
  if (parts.length < 2) return [];
  return parts.filter((part) => part !== '');
}

function joinFields(fields: readonly string[]): string {
  if (fields.length <= 1) return fields.join('');
  return `${fields.slice(0, -1).join(', ')} and ${fields[fields.length - 1]}`;
}

const MONGO_UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True for errors that mean the database cannot be reached right now (as opposed to a bad query). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!isObject(err)) return false;
  if (typeof err.name === 'string' && MONGO_UNAVAILABLE_NAMES.has(err.name)) return true;
  // mongoose queues operations while disconnected and fails them with this message after bufferTimeoutMS.
  return (
    err.name === 'MongooseError' && typeof err.message === 'string' && /buffering timed out/.test(err.message)
  );
}

/** Errors raised by body-parser / raw-body / http-errors carry `type`, `status` and `expose`. */
function fromHttpError(err: Obj): AppError | undefined {
  const status =
    typeof err.status === 'number'
      ? err.status
      : typeof err.statusCode === 'number'
        ? err.statusCode
        : undefined;
  if (status === undefined) return undefined;
  switch (err.type) {
    case 'entity.parse.failed':
      // The parser's own message quotes part of the body, so it is not passed on.
      return new InvalidJsonError(undefined, { cause: err });
    case 'entity.too.large': {
      const limit = typeof err.limit === 'number' ? ` of ${err.limit} bytes` : '';
      return new PayloadTooLargeError(`The request body exceeds the limit${limit}.`, { cause: err });
    }
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError(
        'Unsupported Content-Encoding: send the body uncompressed, or gzip, deflate or br encoded.',
        { cause: err },
      );
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('Unsupported charset: send the JSON body as UTF-8.', {
        cause: err,
      });
    default:
      break;
  }
  if (status < 400 || status >= 500 || err.expose !== true) return undefined;
  const message =
    typeof err.message === 'string' && err.message !== '' ? err.message : 'The request is invalid.';
  switch (status) {
    case 401:
      return new UnauthorizedError('AUTHENTICATION_REQUIRED', message, { cause: err });
    case 403:
      return new ForbiddenError('FORBIDDEN', message, { cause: err });
    case 404:
      return new NotFoundError(message, { cause: err });
    case 409:
      return new ConflictError(message, { cause: err });
    case 413:
      return new PayloadTooLargeError(message, { cause: err });
    case 415:
      return new UnsupportedMediaTypeError(message, { cause: err });
    default:
      return new ValidationError(message, { cause: err });
  }
}

/**
 * Maps anything thrown by a handler or middleware to the {@link AppError} the client will see:
 * AppErrors as they are; zod errors → 400 VALIDATION_ERROR naming the fields; body-parser errors →
 * 400 INVALID_JSON, 413 PAYLOAD_TOO_LARGE or 415; MongoDB duplicate keys → 409 CONFLICT naming the key
 * fields (never their values); database connectivity errors → 503 SERVICE_UNAVAILABLE; other exposed
 * 4xx http-errors by status; everything else → 500 INTERNAL_ERROR with a generic message.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.core.$ZodError) return validationErrorFromZod(err);
  const duplicate = findDuplicateKey(err);
  if (duplicate !== undefined) {
    const message =
      duplicate.fields.length > 0
        ? `A record with the same ${joinFields(duplicate.fields)} already exists.`
        : 'A record with the same unique key already exists.';
    return new ConflictError(message, {
      cause: err,
      details: duplicate.fields.length > 0 ? { fields: duplicate.fields } : undefined,
    });
  }
  if (isDatabaseUnavailable(err)) {
    return new ServiceUnavailableError(
      'SERVICE_UNAVAILABLE',
      'The database is temporarily unavailable. Retry shortly.',
      { cause: err },
    );
  }
  if (isObject(err)) {
    const mapped = fromHttpError(err);
    if (mapped !== undefined) return mapped;
  }
  return new InternalError(undefined, { cause: err });
}
