import { generateToken } from '@eudr/auth';
import { waitFor } from '@eudr/testkit';
import type { AdminClient, AppExit, AppProcess } from '@eudr/testkit';
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

// suppliers-service validates tokens from its projection of the Kafka state topics, so it keeps
// serving while auth-service is down, and a replica started during the outage rebuilds the
// projection from Kafka alone.

jest.setTimeout(60_000);

let stack: E2eStack;
let admin: AdminClient;
let valid: IssuedToken;
let revoked: IssuedToken;
let lateReplica: AppProcess | undefined;

beforeAll(async () => {
  stack = await startE2eStack('e2e_availability');
  admin = await stack.admin('org_availability');
  valid = await stack.issueToken(admin, [READ, WRITE]);
  revoked = await stack.issueToken(admin, [READ, WRITE]);
  await admin.revokeToken(revoked.integrationId, revoked.tokenId);
  // Both states are in the replica's projection before auth-service goes away.
  await waitFor(async () => (await listSuppliers(stack.edge.url, valid.token)).status === 200, {
    message: 'the valid token to be accepted',
  });
  await waitFor(
    async () => errorCode(await listSuppliers(stack.edge.url, revoked.token)) === 'TOKEN_REVOKED',
    {
      message: 'the revoked token to be rejected',
    },
  );
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('suppliers-service while auth-service is down', () => {
  let authExit: AppExit;

  beforeAll(async () => {
    authExit = await stack.auth.stop();
  }, 30_000);

  it('starts from an auth-service that shut down gracefully on SIGTERM and is gone from the edge', async () => {
    expect(authExit).toEqual({ code: 0, signal: null });
    // The edge has nothing to route the admin API to now.
    const admin503 = await call(stack.edge.url, '/api/v1/admin/scopes');
    expectApiError(admin503, 503, 'SERVICE_UNAVAILABLE', null);
  });

  it('still accepts a valid token, for reads and for writes', async () => {
    expect(stack.auth.running()).toBe(false);
    const read = await listSuppliers(stack.edge.url, valid.token);
    expect(read.status).toBe(200);
    const push = await call(stack.edge.url, SUPPLIERS_PATH, {
      method: 'POST',
      token: valid.token,
      body: { suppliers: [{ externalId: 'SUP-AVAIL-1', name: 'Pushed while auth-service is down' }] },
    });
    expect(push.status).toBe(200);
    expect(push.body).toEqual(expect.objectContaining({ success: true, created: 1, updated: 0, errors: [] }));
  });

  it('still rejects a revoked token with TOKEN_REVOKED', async () => {
    expectApiError(
      await listSuppliers(stack.edge.url, revoked.token),
      401,
      'TOKEN_REVOKED',
      CHALLENGE.invalidToken,
    );
  });

  it('rejects a token it has never seen with INVALID_TOKEN, its projection being fresh', async () => {
    expectApiError(
      await listSuppliers(stack.edge.url, generateToken().token),
      401,
      'INVALID_TOKEN',
      CHALLENGE.invalidToken,
    );
  });

  it('starts a second replica that becomes ready from Kafka alone and validates correctly', async () => {
    expect(stack.auth.running()).toBe(false);
    lateReplica = await stack.startSuppliersReplica();
    const read = await listSuppliers(lateReplica.url, valid.token);
    expect(read.status).toBe(200);
    const found = await call(lateReplica.url, `${SUPPLIERS_PATH}/SUP-AVAIL-1`, { token: valid.token });
    expect(found.status).toBe(200);
    expect(found.body).toEqual(expect.objectContaining({ externalId: 'SUP-AVAIL-1' }));
    expectApiError(
      await listSuppliers(lateReplica.url, revoked.token),
      401,
      'TOKEN_REVOKED',
      CHALLENGE.invalidToken,
    );
    expectApiError(
      await listSuppliers(lateReplica.url, generateToken().token),
      401,
      'INVALID_TOKEN',
      CHALLENGE.invalidToken,
    );
  });
});
