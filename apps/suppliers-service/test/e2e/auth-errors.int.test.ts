import { generateToken } from '@eudr/auth';
import { waitFor } from '@eudr/testkit';
import type { AdminClient } from '@eudr/testkit';
import {
  CHALLENGE,
  READ,
  SUPPLIERS_PATH,
  WRITE,
  call,
  errorCode,
  expectApiError,
  listSuppliers,
  startE2eStack,
} from './e2e-stack';
import type { E2eStack, IssuedToken } from './e2e-stack';

// The whole validation order of packages/auth/README.md, through the edge, with tokens made by the
// admin API of a real auth-service and validated by a real suppliers-service process.

jest.setTimeout(60_000);

let stack: E2eStack;
let admin: AdminClient;
let readWrite: IssuedToken;
let edgeUrl: string;

beforeAll(async () => {
  stack = await startE2eStack('e2e_auth_errors');
  edgeUrl = stack.edge.url;
  admin = await stack.admin('org_auth_errors');
  readWrite = await stack.issueToken(admin, [READ, WRITE]);
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

/** Flips one hex character of the random part, keeping the format (so only the checksum fails). */
function withBadChecksum(token: string): string {
  const index = 20;
  const flipped = token[index] === 'a' ? 'b' : 'a';
  return `${token.slice(0, index)}${flipped}${token.slice(index + 1)}`;
}

describe('GET /api/v1/integration/suppliers through the edge', () => {
  it('answers 200 to a valid token with the read scope', async () => {
    const result = await listSuppliers(edgeUrl, readWrite.token);
    expect(result.status).toBe(200);
    expect(result.body).toEqual(expect.objectContaining({ entities: [], total: 0 }));
  });

  it('rejects a request without Authorization header with AUTHENTICATION_REQUIRED and no error attribute', async () => {
    expectApiError(await call(edgeUrl, SUPPLIERS_PATH), 401, 'AUTHENTICATION_REQUIRED', CHALLENGE.required);
  });

  it('rejects the Basic scheme with INVALID_TOKEN_FORMAT', async () => {
    const basic = `Basic ${Buffer.from(`user:${readWrite.token}`).toString('base64')}`;
    expectApiError(
      await call(edgeUrl, SUPPLIERS_PATH, { authorization: basic }),
      401,
      'INVALID_TOKEN_FORMAT',
      CHALLENGE.invalidToken,
    );
  });

  it('accepts the scheme in lower case, because auth schemes are case-insensitive (RFC 7235)', async () => {
    const result = await call(edgeUrl, `${SUPPLIERS_PATH}?limit=1`, {
      authorization: `bearer ${readWrite.token}`,
    });
    expect(result.status).toBe(200);
  });

  it.each([
    ['a value that is not a token', 'Bearer not-a-token'],
    ['a token in upper case', () => `Bearer ${readWrite.token.toUpperCase()}`],
    ['a truncated token', () => `Bearer ${readWrite.token.slice(0, -1)}`],
    ['two tokens', () => `Bearer ${readWrite.token} ${readWrite.token}`],
    ['the scheme without a token', 'Bearer'],
  ])('rejects %s with INVALID_TOKEN_FORMAT', async (_what, header) => {
    const authorization = typeof header === 'function' ? header() : header;
    expectApiError(
      await call(edgeUrl, SUPPLIERS_PATH, { authorization }),
      401,
      'INVALID_TOKEN_FORMAT',
      CHALLENGE.invalidToken,
    );
  });

  it('rejects a token whose checksum fails with INVALID_TOKEN', async () => {
    const tampered = withBadChecksum(readWrite.token);
    expect(tampered).not.toBe(readWrite.token);
    expectApiError(await listSuppliers(edgeUrl, tampered), 401, 'INVALID_TOKEN', CHALLENGE.invalidToken);
  });

  it('rejects a well-formed token with a valid checksum that was never issued with INVALID_TOKEN', async () => {
    const neverIssued = generateToken().token;
    expectApiError(await listSuppliers(edgeUrl, neverIssued), 401, 'INVALID_TOKEN', CHALLENGE.invalidToken);
  });

  it('rejects a revoked token with TOKEN_REVOKED', async () => {
    const issued = await stack.issueToken(admin, [READ]);
    expect((await listSuppliers(edgeUrl, issued.token)).status).toBe(200);
    await admin.revokeToken(issued.integrationId, issued.tokenId);
    const rejected = await waitFor(
      async () => {
        const result = await listSuppliers(edgeUrl, issued.token);
        return errorCode(result) === 'TOKEN_REVOKED' ? result : null;
      },
      { timeoutMs: 10_000, message: 'the revoked token to be rejected' },
    );
    expectApiError(rejected, 401, 'TOKEN_REVOKED', CHALLENGE.invalidToken);
  });

  it('rejects a token with TOKEN_EXPIRED once its expiresAt has passed, and not before', async () => {
    const expiresAt = new Date(Date.now() + 2_500).toISOString();
    const issued = await stack.issueToken(admin, [READ], { expiresAt });
    const before = await listSuppliers(edgeUrl, issued.token);
    // The first answer came well before the expiry, so it must be a success.
    expect(before.at).toBeLessThan(Date.parse(expiresAt));
    expect(before.status).toBe(200);
    const expired = await waitFor(
      async () => {
        const result = await listSuppliers(edgeUrl, issued.token);
        if (result.status === 200) return null;
        return result;
      },
      { timeoutMs: 15_000, intervalMs: 50, message: 'the token to expire' },
    );
    expectApiError(expired, 401, 'TOKEN_EXPIRED', CHALLENGE.invalidToken);
    expect(expired.at).toBeGreaterThanOrEqual(Date.parse(expiresAt));
  });

  it('rejects a token of an inactive integration with INTEGRATION_INACTIVE and no challenge', async () => {
    const issued = await stack.issueToken(admin, [READ]);
    expect((await listSuppliers(edgeUrl, issued.token)).status).toBe(200);
    await admin.setIntegrationStatus(issued.integrationId, 'INACTIVE');
    const rejected = await waitFor(
      async () => {
        const result = await listSuppliers(edgeUrl, issued.token);
        return result.status === 200 ? null : result;
      },
      { timeoutMs: 10_000, message: 'the token of the inactive integration to be rejected' },
    );
    expectApiError(rejected, 403, 'INTEGRATION_INACTIVE', null);
  });

  it('rejects a token without the read scope with INSUFFICIENT_SCOPES naming the scope', async () => {
    const writeOnly = await stack.issueToken(admin, [WRITE]);
    const result = await listSuppliers(edgeUrl, writeOnly.token);
    expectApiError(result, 403, 'INSUFFICIENT_SCOPES', CHALLENGE.insufficientScope(READ));
    expect(result.body?.['message']).toEqual(expect.stringContaining(READ));
  });

  it('rejects a push by a token without the write scope with INSUFFICIENT_SCOPES naming the scope', async () => {
    const readOnly = await stack.issueToken(admin, [READ]);
    const result = await call(edgeUrl, SUPPLIERS_PATH, {
      method: 'POST',
      token: readOnly.token,
      body: { suppliers: [{ externalId: 'SUP-1', name: 'Never stored' }] },
    });
    expectApiError(result, 403, 'INSUFFICIENT_SCOPES', CHALLENGE.insufficientScope(WRITE));
    expect(result.body?.['message']).toEqual(expect.stringContaining(WRITE));
  });

  it('checks revocation before expiry and the integration status (the first failing step wins)', async () => {
    const issued = await stack.issueToken(admin, [WRITE], {
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await admin.revokeToken(issued.integrationId, issued.tokenId);
    await admin.setIntegrationStatus(issued.integrationId, 'INACTIVE');
    // Revoked, integration inactive and a missing read scope: TOKEN_REVOKED is step 4 of 7.
    const rejected = await waitFor(
      async () => {
        const result = await listSuppliers(edgeUrl, issued.token);
        return errorCode(result) === 'TOKEN_REVOKED' ? result : null;
      },
      { timeoutMs: 10_000, message: 'the revoked token to be rejected' },
    );
    expectApiError(rejected, 401, 'TOKEN_REVOKED', CHALLENGE.invalidToken);
  });
});
