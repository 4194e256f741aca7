import { z } from 'zod';
import {
  AppError,
  BatchLimitExceededError,
  ConflictError,
  ERROR_CODES,
  ForbiddenError,
  InternalError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  isErrorCode,
  parseOrThrow,
  validationErrorFromZod,
} from './errors';

describe('error classes', () => {
  it.each([
    [new ValidationError('x'), 'VALIDATION_ERROR', 400],
    [new InvalidJsonError(), 'INVALID_JSON', 400],
    [new BatchLimitExceededError(), 'BATCH_LIMIT_EXCEEDED', 400],
    [new UnauthorizedError('TOKEN_REVOKED', 'revoked'), 'TOKEN_REVOKED', 401],
    [new UnauthorizedError('INVALID_ADMIN_TOKEN', 'bad jwt'), 'INVALID_ADMIN_TOKEN', 401],
    [new ForbiddenError('INSUFFICIENT_SCOPES', 'missing scope'), 'INSUFFICIENT_SCOPES', 403],
    [new ForbiddenError(), 'FORBIDDEN', 403],
    [new NotFoundError(), 'NOT_FOUND', 404],
    [new ConflictError(), 'CONFLICT', 409],
    [new PayloadTooLargeError(), 'PAYLOAD_TOO_LARGE', 413],
    [new UnsupportedMediaTypeError(), 'UNSUPPORTED_MEDIA_TYPE', 415],
    [new RateLimitError(30), 'RATE_LIMIT_EXCEEDED', 429],
    [new ServiceUnavailableError(), 'SERVICE_UNAVAILABLE', 503],
    [new ServiceUnavailableError('AUTH_UNAVAILABLE'), 'AUTH_UNAVAILABLE', 503],
    [new InternalError(), 'INTERNAL_ERROR', 500],
  ])('%p carries its code and status', (error, code, status) => {
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(ERROR_CODES).toContain(error.code);
  });

  it('names each error after its class', () => {
    expect(new NotFoundError().name).toBe('NotFoundError');
    expect(new RateLimitError(1).name).toBe('RateLimitError');
  });

  it('marks 429 and 503 retriable and the rest not, unless told otherwise', () => {
    expect(new RateLimitError(5).retriable).toBe(true);
    expect(new ServiceUnavailableError().retriable).toBe(true);
    expect(new ConflictError().retriable).toBe(false);
    expect(new InternalError().retriable).toBe(false);
    expect(new InternalError(undefined, { retriable: true }).retriable).toBe(true);
  });

  it('sets Retry-After in whole seconds of at least one, keeping other headers', () => {
    const error = new RateLimitError(12.2, undefined, { headers: { 'X-RateLimit-Limit': '100' } });
    expect(error.headers).toEqual({ 'X-RateLimit-Limit': '100', 'Retry-After': '13' });
    expect(new RateLimitError(0).headers['Retry-After']).toBe('1');
    expect(new ServiceUnavailableError('AUTH_UNAVAILABLE', 'down', { retryAfterSeconds: 2 }).headers).toEqual(
      {
        'Retry-After': '2',
      },
    );
  });

  it('keeps the cause for the log and the challenge header for the response', () => {
    const cause = new Error('db said no');
    const error = new UnauthorizedError('INVALID_TOKEN', 'The API token is not valid.', {
      cause,
      headers: { 'WWW-Authenticate': 'Bearer realm="eudr-integration", error="invalid_token"' },
    });
    expect(error.cause).toBe(cause);
    expect(error.headers['WWW-Authenticate']).toContain('invalid_token');
  });

  it('recognises only codes from the closed list', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('TEAPOT')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});

describe('validationErrorFromZod', () => {
  const supplier = z.object({
    externalId: z.string().min(1),
    name: z.string().max(100),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
    email: z.email().optional(),
    quantity: z.number().min(0).optional(),
    certifications: z.array(z.string()).max(2).optional(),
    status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  });

  function messageFor(input: unknown): string {
    const result = supplier.safeParse(input);
    if (result.success) throw new Error('expected the input to be invalid');
    return validationErrorFromZod(result.error).message;
  }

  it('names the field and the maximum length', () => {
    expect(messageFor({ externalId: 'a', name: 'x'.repeat(101), country: 'DE' })).toBe(
      'name: must be at most 100 characters',
    );
  });

  it('says a missing field is required and an empty one must not be empty', () => {
    expect(messageFor({ name: 'n', country: 'DE' })).toBe('externalId: is required');
    expect(messageFor({ externalId: '', name: 'n', country: 'DE' })).toBe('externalId: must not be empty');
  });

  it('keeps a custom message written in the schema', () => {
    expect(messageFor({ externalId: 'a', name: 'n', country: 'Germany' })).toBe(
      'country: must be an ISO 3166-1 alpha-2 code',
    );
  });

  it('lists several issues, separated by semicolons, in schema order', () => {
    expect(messageFor({ externalId: 'a', name: 1, country: 'DE', email: 'nope', quantity: -1 })).toBe(
      'name: must be a string, got number; email: must be a valid email address; quantity: must be at least 0',
    );
  });

  it('describes array sizes and enum values', () => {
    expect(messageFor({ externalId: 'a', name: 'n', country: 'DE', certifications: ['a', 'b', 'c'] })).toBe(
      'certifications: must have at most 2 items',
    );
    expect(messageFor({ externalId: 'a', name: 'n', country: 'DE', status: 'GONE' })).toBe(
      'status: must be one of: "ACTIVE", "INACTIVE"',
    );
  });

  it('writes nested paths with indices and details every issue', () => {
    const batch = z.object({ suppliers: z.array(supplier) });
    const result = batch.safeParse({
      suppliers: [
        { externalId: 'a', name: 'n', country: 'DE' },
        { externalId: 'b', name: 'n', country: 'de' },
      ],
    });
    if (result.success) throw new Error('expected failure');
    const error = validationErrorFromZod(result.error);
    expect(error.message).toBe('suppliers[1].country: must be an ISO 3166-1 alpha-2 code');
    expect(error.details).toEqual([
      { field: 'suppliers[1].country', message: 'must be an ISO 3166-1 alpha-2 code' },
    ]);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.status).toBe(400);
  });

  it('names the request body when the input as a whole is wrong', () => {
    const result = supplier.safeParse([]);
    if (result.success) throw new Error('expected failure');
    expect(validationErrorFromZod(result.error).message).toBe('request body: must be an object, got array');
    expect(validationErrorFromZod(result.error, { rootLabel: 'query' }).message).toBe(
      'query: must be an object, got array',
    );
  });

  it('summarises beyond the message limit but details every issue', () => {
    const many = z.object(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}`, z.string()])));
    const result = many.safeParse({});
    if (result.success) throw new Error('expected failure');
    const error = validationErrorFromZod(result.error, { maxIssuesInMessage: 2 });
    expect(error.message).toBe('f0: is required; f1: is required; and 3 more issues');
    expect(error.details).toHaveLength(5);
  });
});

describe('parseOrThrow', () => {
  const query = z.object({ limit: z.coerce.number().int().max(100) });

  it('returns the parsed input', () => {
    expect(parseOrThrow(query, { limit: '20' }, 'query')).toEqual({ limit: 20 });
  });

  it('throws a VALIDATION_ERROR naming the field, or the input by its label when it is wrong as a whole', () => {
    expect(() => parseOrThrow(query, { limit: '500' }, 'query')).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_ERROR',
        details: [expect.objectContaining({ field: 'limit' })],
      }),
    );
    expect(() => parseOrThrow(query, undefined, 'query')).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'query' })] }),
    );
    expect(() => parseOrThrow(query, 'text')).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'request body' })] }),
    );
  });
});
