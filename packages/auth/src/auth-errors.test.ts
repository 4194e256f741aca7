import {
  AUTH_ERROR_CODES,
  AUTH_ERRORS,
  insufficientScopesMessage,
  isAuthErrorCode,
  wwwAuthenticateHeader,
} from './auth-errors';
import type { Scope } from './scopes';

describe('AUTH_ERRORS', () => {
  it('has one entry per code, in validation order', () => {
    expect(Object.keys(AUTH_ERRORS)).toEqual([...AUTH_ERROR_CODES]);
  });

  it.each([
    ['AUTHENTICATION_REQUIRED', 401],
    ['INVALID_TOKEN_FORMAT', 401],
    ['INVALID_TOKEN', 401],
    ['TOKEN_REVOKED', 401],
    ['TOKEN_EXPIRED', 401],
    ['INTEGRATION_INACTIVE', 403],
    ['INSUFFICIENT_SCOPES', 403],
    ['AUTH_UNAVAILABLE', 503],
  ] as const)('gives %s the status %d and a sentence as message', (code, status) => {
    expect(AUTH_ERRORS[code].status).toBe(status);
    expect(AUTH_ERRORS[code].message).toMatch(/^[A-Z].{20,}\.$/);
  });

  it('gives every code a different message', () => {
    const messages = new Set(AUTH_ERROR_CODES.map((code) => AUTH_ERRORS[code].message));
    expect(messages.size).toBe(AUTH_ERROR_CODES.length);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(AUTH_ERRORS)).toBe(true);
  });
});

describe('isAuthErrorCode', () => {
  it('recognises exactly the auth codes', () => {
    expect(AUTH_ERROR_CODES.every((code) => isAuthErrorCode(code))).toBe(true);
    expect(isAuthErrorCode('NOT_FOUND')).toBe(false);
    expect(isAuthErrorCode('invalid_token')).toBe(false);
    expect(isAuthErrorCode(401)).toBe(false);
  });
});

describe('insufficientScopesMessage', () => {
  it('names the one missing scope', () => {
    expect(insufficientScopesMessage(['integration:suppliers:write'])).toBe(
      'The API token is missing the required scope integration:suppliers:write. Ask an organisation admin for a token that includes it.',
    );
  });

  it('names every missing scope', () => {
    expect(insufficientScopesMessage(['integration:batches:read', 'integration:dds:read'])).toBe(
      'The API token is missing the required scopes integration:batches:read, integration:dds:read. Ask an organisation admin for a token that includes them.',
    );
  });

  it('falls back to the generic message when nothing is missing', () => {
    expect(insufficientScopesMessage([])).toBe(AUTH_ERRORS.INSUFFICIENT_SCOPES.message);
  });
});

describe('wwwAuthenticateHeader', () => {
  it('challenges a request without credentials with no error code (RFC 6750 §3.1)', () => {
    expect(wwwAuthenticateHeader('AUTHENTICATION_REQUIRED')).toBe('Bearer realm="eudr-integration"');
  });

  it.each(['INVALID_TOKEN_FORMAT', 'INVALID_TOKEN', 'TOKEN_REVOKED', 'TOKEN_EXPIRED'] as const)(
    'answers %s with error="invalid_token"',
    (code) => {
      expect(wwwAuthenticateHeader(code)).toBe('Bearer realm="eudr-integration", error="invalid_token"');
    },
  );

  it('answers INSUFFICIENT_SCOPES with the needed scopes separated by single spaces', () => {
    expect(
      wwwAuthenticateHeader('INSUFFICIENT_SCOPES', ['integration:suppliers:read', 'integration:sync:read']),
    ).toBe(
      'Bearer realm="eudr-integration", error="insufficient_scope", scope="integration:suppliers:read integration:sync:read"',
    );
  });

  it('lists a needed scope once even when it is passed twice', () => {
    expect(
      wwwAuthenticateHeader('INSUFFICIENT_SCOPES', ['integration:dds:read', 'integration:dds:read']),
    ).toBe('Bearer realm="eudr-integration", error="insufficient_scope", scope="integration:dds:read"');
  });

  it('leaves the scope attribute out of INSUFFICIENT_SCOPES when no scopes are given', () => {
    expect(wwwAuthenticateHeader('INSUFFICIENT_SCOPES')).toBe(
      'Bearer realm="eudr-integration", error="insufficient_scope"',
    );
    expect(wwwAuthenticateHeader('INSUFFICIENT_SCOPES', [])).toBe(
      'Bearer realm="eudr-integration", error="insufficient_scope"',
    );
  });

  it('refuses a value that is not a scope name, so nothing can be injected into the header', () => {
    const injected = ['integration:dds:read", error="x'] as unknown as Scope[];
    expect(() => wwwAuthenticateHeader('INSUFFICIENT_SCOPES', injected)).toThrow(TypeError);
  });

  it.each(['INTEGRATION_INACTIVE', 'AUTH_UNAVAILABLE'] as const)('sends no challenge for %s', (code) => {
    expect(wwwAuthenticateHeader(code)).toBeUndefined();
  });

  it('sends a challenge with every 401', () => {
    for (const code of AUTH_ERROR_CODES) {
      if (AUTH_ERRORS[code].status === 401) expect(wwwAuthenticateHeader(code)).toMatch(/^Bearer realm=/);
    }
  });
});
