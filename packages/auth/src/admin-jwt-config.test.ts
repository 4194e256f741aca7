import { adminJwtConfigIssues, adminJwtKeySource } from './admin-jwt-config';

describe('adminJwtConfigIssues', () => {
  it('accepts exactly one of ADMIN_JWT_SECRET and ADMIN_JWKS_URL', () => {
    expect(adminJwtConfigIssues({ ADMIN_JWT_SECRET: 'x'.repeat(32) })).toEqual([]);
    expect(adminJwtConfigIssues({ ADMIN_JWKS_URL: 'https://idp.example.com/jwks' })).toEqual([]);
  });

  it('reports neither and both, counting empty strings as unset', () => {
    expect(adminJwtConfigIssues({ ADMIN_JWT_SECRET: '' })[0]?.message).toMatch(/is required unless/);
    expect(
      adminJwtConfigIssues({
        ADMIN_JWT_SECRET: 'x'.repeat(32),
        ADMIN_JWKS_URL: 'https://idp.example.com/jwks',
      })[0]?.message,
    ).toMatch(/set together/);
  });
});

describe('adminJwtKeySource', () => {
  it('prefers the configured secret, else the JWKS URL', () => {
    expect(adminJwtKeySource({ ADMIN_JWT_SECRET: 's'.repeat(32) })).toEqual({ secret: 's'.repeat(32) });
    expect(adminJwtKeySource({ ADMIN_JWKS_URL: 'https://idp.example.com/jwks' })).toEqual({
      jwksUrl: 'https://idp.example.com/jwks',
    });
    expect(() => adminJwtKeySource({})).toThrow(/ADMIN_JWT_SECRET or ADMIN_JWKS_URL/);
  });
});
