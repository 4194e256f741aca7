import { adminJwtConfigIssues, adminJwtKeySource } from './admin-jwt-config';

const PROVIDER = {
  ADMIN_JWKS_URL: 'https://idp.example.com/jwks',
  ADMIN_JWT_ISSUER: 'https://idp.example.com',
  ADMIN_JWT_AUDIENCE: 'urn:eudr:admin-api',
};
const messages = (env: Record<string, string>) =>
  adminJwtConfigIssues(env).map(({ variable, message }) => `${variable}: ${message}`);

describe('adminJwtConfigIssues', () => {
  it('accepts a secret, an identity provider, or both', () => {
    expect(messages({ ADMIN_JWT_SECRET: 'x'.repeat(32) })).toEqual([]);
    expect(messages(PROVIDER)).toEqual([]);
    expect(messages({ ...PROVIDER, ADMIN_JWT_SECRET: 'x'.repeat(32) })).toEqual([]);
  });

  it('reports neither, counting empty strings as unset', () => {
    expect(messages({ ADMIN_JWT_SECRET: '', ADMIN_JWKS_URL: '' })).toEqual([
      expect.stringMatching(/^ADMIN_JWT_SECRET: is required unless ADMIN_JWKS_URL is set/),
    ]);
  });

  it('requires the issuer and the audience with a JWKS', () => {
    expect(messages({ ADMIN_JWKS_URL: PROVIDER.ADMIN_JWKS_URL, ADMIN_JWT_ISSUER: '' })).toEqual([
      expect.stringMatching(/^ADMIN_JWT_ISSUER: is required with ADMIN_JWKS_URL/),
      expect.stringMatching(/^ADMIN_JWT_AUDIENCE: is required with ADMIN_JWKS_URL/),
    ]);
  });

  it('requires https for a JWKS, except on loopback or in a local file', () => {
    expect(messages({ ...PROVIDER, ADMIN_JWKS_URL: 'http://idp.internal:4010/jwks' })).toEqual([
      'ADMIN_JWKS_URL: must be an https:// URL (plain http only on loopback, e.g. http://127.0.0.1:4010/jwks, or a file:// key set), got http://idp.internal:4010',
    ]);
    for (const url of [
      'http://127.0.0.1:4010/jwks',
      'http://localhost:4010/jwks',
      'http://[::1]:4010/jwks',
    ]) {
      expect(messages({ ...PROVIDER, ADMIN_JWKS_URL: url })).toEqual([]);
    }
    expect(messages({ ...PROVIDER, ADMIN_JWKS_URL: `file://${__filename}` })).toEqual([]);
    expect(messages({ ...PROVIDER, ADMIN_JWKS_URL: 'file://elsewhere/jwks.json' })).toEqual([
      'ADMIN_JWKS_URL: must name a key set file on this machine (file:///path/jwks.json), got file://elsewhere/jwks.json',
    ]);
    // A name that merely starts like a loopback address is not one.
    expect(messages({ ...PROVIDER, ADMIN_JWKS_URL: 'http://127.0.0.1.nip.io/jwks' })).toHaveLength(1);
  });
});

describe('adminJwtKeySource', () => {
  it('names every configured key source', () => {
    expect(adminJwtKeySource({ ADMIN_JWT_SECRET: 's'.repeat(32) })).toEqual({ secret: 's'.repeat(32) });
    expect(adminJwtKeySource({ ADMIN_JWKS_URL: PROVIDER.ADMIN_JWKS_URL })).toEqual({
      jwksUrl: PROVIDER.ADMIN_JWKS_URL,
    });
    expect(
      adminJwtKeySource({ ADMIN_JWT_SECRET: 's'.repeat(32), ADMIN_JWKS_URL: PROVIDER.ADMIN_JWKS_URL }),
    ).toEqual({ secret: 's'.repeat(32), jwksUrl: PROVIDER.ADMIN_JWKS_URL });
  });
});
