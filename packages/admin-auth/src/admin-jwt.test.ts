import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '@eudr/service-kit';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createAdminJwtVerifier } from './admin-jwt';

const SECRET = 'unit-test-admin-secret-0123456789abcdef';
const verify = createAdminJwtVerifier({ keys: { secret: SECRET } });

async function sign(
  claims: Record<string, unknown>,
  options: { exp?: number | null; sub?: string | null; secret?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now);
  if (options.sub !== null) jwt = jwt.setSubject(options.sub ?? 'user_1');
  if (options.exp !== null) jwt = jwt.setExpirationTime(now + (options.exp ?? 300));
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function failureOf(jwt: string): Promise<{ status: number; code: string; message: string }> {
  try {
    await verify(jwt);
  } catch (err) {
    if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected the verification to fail');
}

describe('createAdminJwtVerifier with a shared secret', () => {
  it('returns the admin and organisation of a valid token', async () => {
    await expect(verify(await sign({ org: 'org_1', role: 'admin' }))).resolves.toEqual({
      sub: 'user_1',
      orgId: 'org_1',
    });
  });

  it('rejects a token signed with another secret as INVALID_ADMIN_TOKEN', async () => {
    const jwt = await sign(
      { org: 'org_1', role: 'admin' },
      { secret: 'another-secret-0123456789abcdef0123' },
    );
    expect(await failureOf(jwt)).toMatchObject({ status: 401, code: 'INVALID_ADMIN_TOKEN' });
  });

  it('rejects an expired token as ADMIN_TOKEN_EXPIRED', async () => {
    const jwt = await sign({ org: 'org_1', role: 'admin' }, { exp: -60 });
    expect(await failureOf(jwt)).toMatchObject({ status: 401, code: 'ADMIN_TOKEN_EXPIRED' });
  });

  it('rejects a token without exp or sub, naming the claim', async () => {
    expect(await failureOf(await sign({ org: 'org_1', role: 'admin' }, { exp: null }))).toMatchObject({
      status: 401,
      code: 'INVALID_ADMIN_TOKEN',
      message: expect.stringContaining('"exp"'),
    });
    expect(await failureOf(await sign({ org: 'org_1', role: 'admin' }, { sub: null }))).toMatchObject({
      status: 401,
      code: 'INVALID_ADMIN_TOKEN',
      message: expect.stringContaining('"sub"'),
    });
  });

  it('refuses a valid token of a user who is not an admin with 403 FORBIDDEN', async () => {
    expect(await failureOf(await sign({ org: 'org_1', role: 'viewer' }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await failureOf(await sign({ org: 'org_1' }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('refuses an admin token that names no organisation with 403 FORBIDDEN', async () => {
    expect(await failureOf(await sign({ role: 'admin' }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await failureOf(await sign({ role: 'admin', org: 42 }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it.each(['acme:x', 'acme/x', 'acme x', 'a'.repeat(65)])(
    'refuses an admin token whose organisation is %j with 403 FORBIDDEN',
    async (org) => {
      expect(await failureOf(await sign({ role: 'admin', org }))).toMatchObject({
        status: 403,
        code: 'FORBIDDEN',
        message: expect.stringContaining('letters, digits') as unknown,
      });
    },
  );
});

describe('createAdminJwtVerifier with a shared secret, against unsigned or misaddressed tokens', () => {
  it('rejects an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 300;
    const payload = Buffer.from(JSON.stringify({ sub: 'user_1', org: 'org_1', role: 'admin', exp })).toString(
      'base64url',
    );
    expect(await failureOf(`${header}.${payload}.`)).toMatchObject({
      status: 401,
      code: 'INVALID_ADMIN_TOKEN',
    });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createAdminJwtVerifier({
      keys: { secret: SECRET },
      issuer: 'https://idp.example.com',
      audience: 'eudr-admin',
    });
    const now = Math.floor(Date.now() / 1000);
    const good = await new SignJWT({ org: 'org_1', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user_1')
      .setIssuer('https://idp.example.com')
      .setAudience('eudr-admin')
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(SECRET));
    await expect(strict(good)).resolves.toEqual({ sub: 'user_1', orgId: 'org_1' });
    await expect(strict(await sign({ org: 'org_1', role: 'admin' }))).rejects.toMatchObject({
      code: 'INVALID_ADMIN_TOKEN',
    });
  });
});

describe('createAdminJwtVerifier with an identity provider (JWKS) and a development secret', () => {
  const ISSUER = 'http://127.0.0.1:4010';
  const AUDIENCE = 'urn:eudr:admin-api';
  let server: Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const both = () =>
    createAdminJwtVerifier({ keys: { secret: SECRET, jwksUrl }, issuer: ISSUER, audience: AUDIENCE });
  const providerToken = (claims: { iss?: string; aud?: string } = {}) =>
    new SignJWT({ org: 'org_a', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('alice')
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);

  it('accepts the provider’s tokens by its published keys and development tokens by the secret', async () => {
    const verifyBoth = both();
    await expect(verifyBoth(await providerToken())).resolves.toEqual({ sub: 'alice', orgId: 'org_a' });
    // A development token carries neither the provider's issuer nor its audience.
    await expect(verifyBoth(await sign({ org: 'org_1', role: 'admin' }))).resolves.toEqual({
      sub: 'user_1',
      orgId: 'org_1',
    });
  });

  it('refuses a provider token of another issuer or audience', async () => {
    const verifyBoth = both();
    await expect(verifyBoth(await providerToken({ iss: 'https://evil.example.com' }))).rejects.toMatchObject({
      code: 'INVALID_ADMIN_TOKEN',
      message: expect.stringContaining('"iss"'),
    });
    await expect(verifyBoth(await providerToken({ aud: 'another-api' }))).rejects.toMatchObject({
      code: 'INVALID_ADMIN_TOKEN',
      message: expect.stringContaining('"aud"'),
    });
  });

  it('refuses HS256 tokens when only the provider is configured, and asymmetric ones with only a secret', async () => {
    const providerOnly = createAdminJwtVerifier({ keys: { jwksUrl }, issuer: ISSUER, audience: AUDIENCE });
    await expect(providerOnly(await providerToken())).resolves.toMatchObject({ sub: 'alice' });
    await expect(providerOnly(await sign({ org: 'org_1', role: 'admin' }))).rejects.toMatchObject({
      status: 401,
      code: 'INVALID_ADMIN_TOKEN',
      message: expect.stringContaining('identity provider'),
    });
    await expect(verify(await providerToken())).rejects.toMatchObject({ code: 'INVALID_ADMIN_TOKEN' });
  });

  it('refuses a token signed by a key the provider does not publish', async () => {
    const stranger = await generateKeyPair('RS256');
    const forged = await new SignJWT({ org: 'org_a', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    await expect(both()(forged)).rejects.toMatchObject({ status: 401, code: 'INVALID_ADMIN_TOKEN' });
  });

  it('will not be built with a JWKS but no issuer or audience', () => {
    expect(() => createAdminJwtVerifier({ keys: { jwksUrl }, issuer: ISSUER })).toThrow(
      /issuer and audience/,
    );
    expect(() => createAdminJwtVerifier({ keys: {} })).toThrow(/secret, a JWKS URL or both/);
  });
});

describe('createAdminJwtVerifier with a key set file', () => {
  const ISSUER = 'http://127.0.0.1:4010';
  const AUDIENCE = 'urn:eudr:admin-api';

  async function keyPair(kid: string) {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
    const sign = () =>
      new SignJWT({ org: 'org_a', role: 'admin' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject('alice')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(pair.privateKey);
    return { jwk, sign };
  }

  it('verifies with the keys in the file and re-reads it for a key it does not hold yet', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jwks-'));
    const file = path.join(dir, 'jwks.json');
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    writeFileSync(file, JSON.stringify({ keys: [first.jwk] }));
    const verifyFile = createAdminJwtVerifier({
      keys: { jwksUrl: pathToFileURL(file).href },
      issuer: ISSUER,
      audience: AUDIENCE,
      keyFileReloadMs: 0,
    });
    await expect(verifyFile(await first.sign())).resolves.toEqual({ sub: 'alice', orgId: 'org_a' });
    await expect(verifyFile(await second.sign())).rejects.toMatchObject({ code: 'INVALID_ADMIN_TOKEN' });
    // The provider restarted with a new key: no restart of the service needed.
    writeFileSync(file, JSON.stringify({ keys: [second.jwk] }));
    await expect(verifyFile(await second.sign())).resolves.toEqual({ sub: 'alice', orgId: 'org_a' });
    rmSync(dir, { recursive: true, force: true });
  });
});
