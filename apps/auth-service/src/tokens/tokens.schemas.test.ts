import { SCOPE_NAMES } from '@eudr/auth';
import { validationErrorFromZod } from '@eudr/service-kit';
import type { TokenRecord } from './token.model';
import { createTokenBodySchema, displayTokenPrefix, toTokenResponse, tokenStatus } from './tokens.schemas';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const schema = createTokenBodySchema(() => NOW);
const base = { name: 'ERP sync', scopes: ['integration:suppliers:read'] };

function messageOf(body: unknown): string {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected a validation error');
  return validationErrorFromZod(result.error).message;
}

describe('createTokenBodySchema', () => {
  it('leaves the expiry to the organisation policy when neither is sent, and takes expiresAt null as none', () => {
    expect(schema.parse(base)).toEqual({ ...base, expiresAt: undefined });
    expect(schema.parse({ ...base, expiresAt: null })).toEqual({ ...base, expiresAt: null });
  });

  it('turns expiresInDays into an instant that many days from now', () => {
    expect(schema.parse({ ...base, expiresInDays: 30 }).expiresAt).toEqual(
      new Date('2026-03-31T12:00:00.000Z'),
    );
  });

  it('accepts an expiresAt in the future with any time zone', () => {
    expect(schema.parse({ ...base, expiresAt: '2026-06-01T00:00:00+02:00' }).expiresAt).toEqual(
      new Date('2026-05-31T22:00:00.000Z'),
    );
  });

  it('accepts all nine scopes at once', () => {
    expect(schema.parse({ ...base, scopes: [...SCOPE_NAMES] }).scopes).toHaveLength(9);
  });

  it('ignores unknown fields', () => {
    expect(schema.parse({ ...base, token: 'chosen-by-client', orgId: 'x' })).toEqual({
      ...base,
      expiresAt: undefined,
    });
  });

  it.each([
    [{ scopes: base.scopes }, /^name: is required/],
    [{ ...base, name: '' }, /^name: must be 1 to 100 characters/],
    [{ ...base, name: 'n'.repeat(101) }, /^name: must be 1 to 100 characters/],
    [{ name: 'x' }, /^scopes: is required/],
    [{ ...base, scopes: [] }, /^scopes: must list at least one scope/],
    [{ ...base, scopes: 'integration:suppliers:read' }, /^scopes: must be a non-empty list of scope names/],
    [{ ...base, scopes: [7] }, /^scopes\[0\]: must be a list of scope names/],
    [
      { ...base, scopes: ['integration:suppliers:read', 'integration:suppliers:delete', 'admin'] },
      /^scopes: contains unknown scopes: "integration:suppliers:delete", "admin"/,
    ],
    [
      { ...base, scopes: ['integration:dds:read', 'integration:dds:read'] },
      /^scopes: lists integration:dds:read more than once/,
    ],
    [{ ...base, expiresAt: '2026-02-28T00:00:00Z' }, /^expiresAt: must be in the future/],
    [{ ...base, expiresAt: '2026-03-01T12:00:00Z' }, /^expiresAt: must be in the future/],
    [{ ...base, expiresAt: '2031-03-10T00:00:00Z' }, /^expiresAt: must be at most five years from now/],
    [{ ...base, expiresAt: 'next week' }, /^expiresAt: must be an ISO 8601 date-time with a time zone/],
    [
      { ...base, expiresAt: '2026-06-01T00:00:00' },
      /^expiresAt: must be an ISO 8601 date-time with a time zone/,
    ],
    [{ ...base, expiresInDays: 0 }, /^expiresInDays: must be an integer number of days between 1 and 365/],
    [{ ...base, expiresInDays: 366 }, /^expiresInDays: must be an integer number of days between 1 and 365/],
    [{ ...base, expiresInDays: 1.5 }, /^expiresInDays: must be an integer number of days between 1 and 365/],
    [{ ...base, expiresInDays: '30' }, /^expiresInDays: must be an integer number of days between 1 and 365/],
    [
      { ...base, expiresInDays: 30, expiresAt: '2026-06-01T00:00:00Z' },
      /^expiresAt: cannot be combined with expiresInDays/,
    ],
  ])('rejects %j with a message naming the field', (body, message) => {
    expect(messageOf(body)).toMatch(message);
  });
});

describe('tokenStatus', () => {
  it('is ACTIVE without revocation or expiry', () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: null }, NOW)).toBe('ACTIVE');
  });

  it('is EXPIRED from the expiry instant on', () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: NOW }, NOW)).toBe('EXPIRED');
    expect(tokenStatus({ revokedAt: null, expiresAt: new Date(NOW.getTime() + 1) }, NOW)).toBe('ACTIVE');
  });

  it('is REVOKED even when also expired', () => {
    expect(tokenStatus({ revokedAt: new Date('2026-01-01'), expiresAt: new Date('2026-02-01') }, NOW)).toBe(
      'REVOKED',
    );
  });
});

describe('toTokenResponse', () => {
  const record: TokenRecord = {
    _id: 'tok_0123456789abcdef01234567',
    orgId: 'org_1',
    integrationId: 'int_0123456789abcdef01234567',
    name: 'ERP',
    tokenHash: 'a'.repeat(64),
    displayPrefix: 'a1b2c3d4…',
    lastFour: '9f3c',
    scopes: ['integration:sync:read'],
    expiresAt: null,
    createdBy: 'user_1',
    revokedAt: null,
    revokedBy: null,
    lastUsedAt: new Date('2026-02-01T00:00:00.000Z'),
    rotatedFrom: null,
    rotatedTo: null,
    rotatedAt: null,
    version: 1,
    publishedVersion: 1,
    publishPending: false,
    publishGeneration: 0,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:00.000Z'),
  };

  it('shows metadata only: no hash, and of the publication bookkeeping only whether this version is on the topic', () => {
    const response = toTokenResponse(record, NOW);
    expect(response).toEqual({
      id: record._id,
      integrationId: record.integrationId,
      name: 'ERP',
      tokenPrefix: 'eudr_live_a1b2c3d4…',
      lastFour: '9f3c',
      scopes: ['integration:sync:read'],
      status: 'ACTIVE',
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'user_1',
      expiresAt: null,
      lastUsedAt: '2026-02-01T00:00:00.000Z',
      revokedAt: null,
      published: true,
      stale: false,
      rotatedFrom: null,
      rotatedTo: null,
      rotatedAt: null,
    });
    expect(toTokenResponse({ ...record, version: 2 }, NOW).published).toBe(false);
  });

  it('rebuilds the display prefix with the token marker', () => {
    expect(displayTokenPrefix('0badc0de…')).toBe('eudr_live_0badc0de…');
  });
});
