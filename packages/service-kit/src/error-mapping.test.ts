import { z } from 'zod';
import { NotFoundError } from './errors';
import { findDuplicateKey, isDatabaseUnavailable, toAppError } from './error-mapping';

describe('toAppError', () => {
  it('passes AppErrors through unchanged', () => {
    const error = new NotFoundError('No supplier with that externalId.');
    expect(toAppError(error)).toBe(error);
  });

  it('maps zod errors to VALIDATION_ERROR naming the field', () => {
    const result = z.object({ limit: z.number().max(100) }).safeParse({ limit: 500 });
    if (result.success) throw new Error('expected failure');
    const error = toAppError(result.error);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toBe('limit: must be at most 100');
  });

  it('maps a driver duplicate key error to CONFLICT naming the key fields but not the values', () => {
    const driverError = Object.assign(
      new Error(
        'E11000 duplicate key error collection: db.suppliers index: orgId_1_externalId_1 dup key: { orgId: "org_secret", externalId: "ext-42" }',
      ),
      {
        name: 'MongoServerError',
        code: 11000,
        keyPattern: { orgId: 1, externalId: 1 },
        keyValue: { orgId: 'org_secret', externalId: 'ext-42' },
      },
    );
    const error = toAppError(driverError);
    expect(error.status).toBe(409);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('A record with the same orgId and externalId already exists.');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(
      /org_secret|ext-42/,
    );
  });

  it('reads the key fields from the index name when the server sends no keyPattern', () => {
    expect(
      findDuplicateKey({
        code: 11000,
        errmsg: 'E11000 duplicate key error collection: db.c index: org_id_1_email_-1 dup key: {}',
      }),
    ).toEqual({ fields: ['org_id', 'email'], index: 'org_id_1_email_-1' });
  });

  it('finds duplicate keys inside bulk write errors and causes', () => {
    const bulk = {
      name: 'MongoBulkWriteError',
      writeErrors: [{ code: 11000, err: { keyPattern: { tokenHash: 1 } } }],
    };
    expect(findDuplicateKey(bulk)?.fields).toEqual(['tokenHash']);
    expect(
      findDuplicateKey(new Error('wrapped', { cause: { code: 11000, keyPattern: { sku: 1 } } }))?.fields,
    ).toEqual(['sku']);
    expect(findDuplicateKey({ code: 2 })).toBeUndefined();
  });

  it('maps body-parser errors to INVALID_JSON and PAYLOAD_TOO_LARGE without echoing the body', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token in JSON: {"token":"abc'), {
      type: 'entity.parse.failed',
      status: 400,
      expose: true,
      body: '{"token":"abc',
    });
    const invalid = toAppError(parse);
    expect(invalid.code).toBe('INVALID_JSON');
    expect(invalid.message).not.toContain('abc');
    const tooLarge = toAppError(
      Object.assign(new Error('request entity too large'), {
        type: 'entity.too.large',
        status: 413,
        expose: true,
        limit: 100,
      }),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toBe('The request body exceeds the limit of 100 bytes.');
  });

  it('maps database connectivity errors to SERVICE_UNAVAILABLE', () => {
    const error = toAppError(
      Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoServerSelectionError' }),
    );
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('Operation `x.find()` buffering timed out after 10000ms'), {
          name: 'MongooseError',
        }),
      ),
    ).toBe(true);
  });

  it('hides everything about unknown errors behind INTERNAL_ERROR', () => {
    const error = toAppError(new TypeError("Cannot read properties of undefined (reading 'orgId')"));
    expect(error.status).toBe(500);
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).not.toContain('orgId');
    expect(toAppError('a string').code).toBe('INTERNAL_ERROR');
    expect(toAppError(Object.assign(new Error('x'), { status: 400, expose: false })).code).toBe(
      'INTERNAL_ERROR',
    );
  });
});
