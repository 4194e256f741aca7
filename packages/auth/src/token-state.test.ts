import { evaluateTokenState } from './token-state';
import type { TokenStateLike } from './token-state';

const now = new Date('2030-06-01T12:00:00.000Z');

function state(overrides: Partial<TokenStateLike> = {}): TokenStateLike {
  return {
    tokenId: 'tok_1',
    tokenHash: 'a'.repeat(64),
    orgId: 'org_1',
    integrationId: 'int_1',
    scopes: ['integration:suppliers:read'],
    expiresAt: null,
    revokedAt: null,
    version: 1,
    ...overrides,
  };
}

describe('evaluateTokenState', () => {
  it('accepts a live token without expiry on an active integration', () => {
    expect(evaluateTokenState(state(), 'ACTIVE', now)).toEqual({ ok: true });
  });

  it('accepts a token that expires after now', () => {
    expect(evaluateTokenState(state({ expiresAt: '2030-06-01T12:00:00.001Z' }), 'ACTIVE', now)).toEqual({
      ok: true,
    });
  });

  it('reports TOKEN_REVOKED first for a revoked and expired token on an inactive integration', () => {
    const everythingWrong = state({ revokedAt: '2030-01-01T00:00:00Z', expiresAt: '2029-01-01T00:00:00Z' });
    expect(evaluateTokenState(everythingWrong, 'INACTIVE', now)).toEqual({
      ok: false,
      code: 'TOKEN_REVOKED',
    });
  });

  it('reports TOKEN_EXPIRED before INTEGRATION_INACTIVE', () => {
    expect(evaluateTokenState(state({ expiresAt: '2029-01-01T00:00:00Z' }), 'INACTIVE', now)).toEqual({
      ok: false,
      code: 'TOKEN_EXPIRED',
    });
  });

  it('treats a token expiring exactly now as expired', () => {
    expect(evaluateTokenState(state({ expiresAt: now.toISOString() }), 'ACTIVE', now)).toEqual({
      ok: false,
      code: 'TOKEN_EXPIRED',
    });
  });

  it('compares instants, not strings, so time zone offsets are honoured', () => {
    // 14:00 at +02:00 is exactly now (12:00Z).
    expect(evaluateTokenState(state({ expiresAt: '2030-06-01T14:00:00+02:00' }), 'ACTIVE', now)).toEqual({
      ok: false,
      code: 'TOKEN_EXPIRED',
    });
    // 13:00 at -01:00 is 14:00Z, still ahead.
    expect(evaluateTokenState(state({ expiresAt: '2030-06-01T13:00:00-01:00' }), 'ACTIVE', now)).toEqual({
      ok: true,
    });
  });

  it('accepts now as epoch milliseconds', () => {
    const expiresAt = now.toISOString();
    expect(evaluateTokenState(state({ expiresAt }), 'ACTIVE', now.getTime() - 1)).toEqual({ ok: true });
    expect(evaluateTokenState(state({ expiresAt }), 'ACTIVE', now.getTime())).toEqual({
      ok: false,
      code: 'TOKEN_EXPIRED',
    });
  });

  it('fails closed on an expiry that is not a date', () => {
    expect(evaluateTokenState(state({ expiresAt: 'next tuesday' }), 'ACTIVE', now)).toEqual({
      ok: false,
      code: 'TOKEN_EXPIRED',
    });
  });

  it('fails closed on an invalid clock when the token has an expiry', () => {
    expect(
      evaluateTokenState(state({ expiresAt: '2099-01-01T00:00:00Z' }), 'ACTIVE', new Date(Number.NaN)),
    ).toEqual({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it.each([
    ['INACTIVE', 'INACTIVE'],
    ['an unknown integration', undefined],
    ['a null status', null],
    ['a status in another case', 'active'],
    ['an unexpected status', 'SUSPENDED'],
  ])('reports INTEGRATION_INACTIVE for %s', (_name, status) => {
    expect(evaluateTokenState(state(), status, now)).toEqual({ ok: false, code: 'INTEGRATION_INACTIVE' });
  });
});
