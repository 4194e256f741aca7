import { AppError } from '@eudr/service-kit';
import { SignJWT } from 'jose';
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
