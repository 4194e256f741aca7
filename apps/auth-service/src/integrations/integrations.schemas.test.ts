import { validationErrorFromZod } from '@eudr/service-kit';
import { createIntegrationBodySchema, updateIntegrationBodySchema } from './integrations.schemas';

function messageOf(
  schema: typeof createIntegrationBodySchema | typeof updateIntegrationBodySchema,
  body: unknown,
): string {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected a validation error');
  return validationErrorFromZod(result.error).message;
}

describe('createIntegrationBodySchema', () => {
  it('trims the name and ignores unknown fields', () => {
    expect(
      createIntegrationBodySchema.parse({ name: '  SAP S/4  ', orgId: 'other', status: 'INACTIVE' }),
    ).toEqual({ name: 'SAP S/4' });
  });

  it.each([
    [{}, /^name: is required/],
    [{ name: '   ' }, /^name: must be 1 to 100 characters/],
    [{ name: 'x'.repeat(101) }, /^name: must be 1 to 100 characters/],
    [{ name: 42 }, /^name: must be a string/],
    [{ name: 'ok', description: 'd'.repeat(1001) }, /^description: must be at most 1000 characters/],
    [undefined, /^request body: is required/],
  ])('rejects %j with a message naming the field', (body, message) => {
    expect(messageOf(createIntegrationBodySchema, body)).toMatch(message);
  });

  it('accepts a rate limit per minute from 1 to 100000', () => {
    expect(createIntegrationBodySchema.parse({ name: 'ok', rateLimitPerMinute: 1 }).rateLimitPerMinute).toBe(
      1,
    );
    expect(
      createIntegrationBodySchema.parse({ name: 'ok', rateLimitPerMinute: 100_000 }).rateLimitPerMinute,
    ).toBe(100_000);
    expect(createIntegrationBodySchema.parse({ name: 'ok' }).rateLimitPerMinute).toBeUndefined();
  });

  it.each([0, 100_001, 2.5, '500', null])(
    'rejects the rate limit %j naming the field and the range',
    (value) => {
      expect(messageOf(createIntegrationBodySchema, { name: 'ok', rateLimitPerMinute: value })).toMatch(
        /^rateLimitPerMinute: must be a whole number of requests per minute from 1 to 100000/,
      );
    },
  );

  it('accepts a name of exactly 100 characters', () => {
    expect(createIntegrationBodySchema.parse({ name: 'x'.repeat(100) }).name).toHaveLength(100);
  });
});

describe('updateIntegrationBodySchema', () => {
  it('accepts any one of name, description and status', () => {
    expect(updateIntegrationBodySchema.parse({ status: 'INACTIVE' })).toEqual({ status: 'INACTIVE' });
    expect(updateIntegrationBodySchema.parse({ description: '' })).toEqual({ description: '' });
  });

  it('accepts a new rate limit alone, or null to go back to the platform default', () => {
    expect(updateIntegrationBodySchema.parse({ rateLimitPerMinute: 5 })).toEqual({ rateLimitPerMinute: 5 });
    expect(updateIntegrationBodySchema.parse({ rateLimitPerMinute: null })).toEqual({
      rateLimitPerMinute: null,
    });
  });

  it('rejects a rate limit out of range naming the field', () => {
    expect(messageOf(updateIntegrationBodySchema, { rateLimitPerMinute: 0 })).toMatch(
      /^rateLimitPerMinute: must be a whole number of requests per minute from 1 to 100000/,
    );
  });

  it('rejects an unknown status naming the field', () => {
    expect(messageOf(updateIntegrationBodySchema, { status: 'PAUSED' })).toMatch(
      /^status: must be "ACTIVE" or "INACTIVE"/,
    );
  });

  it('rejects a body that changes nothing', () => {
    expect(messageOf(updateIntegrationBodySchema, { version: 3 })).toMatch(
      /must contain at least one of name, description, status, rateLimitPerMinute/,
    );
  });
});
