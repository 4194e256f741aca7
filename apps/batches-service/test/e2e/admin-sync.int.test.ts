import { mintAdminJwt } from '@eudr/testkit';
import { ALL_SCOPES, PATHS, call, client, errorCode, startBatchesStack, waitFor } from './batches-stack';
import type { HttpResult, Stack } from './batches-stack';

// The console's sync history (/api/v1/admin/sync-logs) and totals (/api/v1/admin/sync-status) through
// the edge of a real stack (auth, suppliers and batches as processes): an organisation admin reads the
// pushes of one integration of its organisation (its own products and batches, and the suppliers that
// suppliers-service took, learnt from their events), filtered and paged, with the failed records; and
// reaches nothing of another organisation. The edge must route both paths to batches-service, not to
// auth-service's /api/v1/admin/.

jest.setTimeout(90_000);

const ORG_A = 'org_sync_admin_a';
const ORG_B = 'org_sync_admin_b';
const ADMIN_SYNC_LOGS = '/api/v1/admin/sync-logs';
const ADMIN_SYNC_STATUS = '/api/v1/admin/sync-status';

let stack: Stack;
let adminA: string;
let adminB: string;
let integrationId: string;
let otherIntegrationId: string;
let api: ReturnType<typeof client>;

type Log = Record<string, unknown>;

function admin(jwt: string, path: string): Promise<HttpResult> {
  return call(stack.edge.url, path, { token: jwt });
}

function history(query: string, jwt = adminA): Promise<HttpResult> {
  return admin(jwt, `${ADMIN_SYNC_LOGS}?integrationId=${integrationId}${query}`);
}

function logsOf(result: HttpResult): Log[] {
  return (result.body?.['data'] ?? []) as Log[];
}

beforeAll(async () => {
  stack = await startBatchesStack('e2e_batches_admin_sync');
  adminA = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_A });
  adminB = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_B });
  const token = await stack.issueToken(await stack.admin(ORG_A), ALL_SCOPES);
  integrationId = token.integrationId;
  api = client(stack, token);
  const other = await stack.issueToken(await stack.admin(ORG_A), ALL_SCOPES);
  otherIntegrationId = other.integrationId;

  // Oldest first: suppliers (suppliers-service), a partly failed product push, a failed batch push.
  expect((await api.post(PATHS.suppliers, { suppliers: [{ externalId: 'S-1', name: 'Coop' }] })).status).toBe(
    200,
  );
  await waitFor(async () => logsOf(await history('')).length === 1, {
    timeoutMs: 20_000,
    message: 'the supplier push in the sync history',
  });
  const products = await api.post(PATHS.products, {
    products: [
      { externalId: 'P-1', name: 'Cocoa beans', supplierExternalId: 'S-1' },
      { externalId: 'P-2', name: 'Cocoa butter' },
      { externalId: 'P-BAD', country: 'XX' },
    ],
  });
  expect(products.body).toEqual(expect.objectContaining({ created: 2 }));
  const batches = await api.post(PATHS.batches, {
    batches: [{ externalId: 'B-1', productExternalId: 'P-UNKNOWN', batchNumber: 'L-1' }],
  });
  expect(batches.body).toEqual(expect.objectContaining({ created: 0, updated: 0 }));
  // Another integration of the same organisation pushes too; its push is not this integration's history.
  expect(
    (await client(stack, other).post(PATHS.products, { products: [{ externalId: 'P-9', name: 'Other' }] }))
      .status,
  ).toBe(200);
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('GET /api/v1/admin/sync-logs', () => {
  it("lists the integration's pushes newest first, with what failed and why", async () => {
    const result = await history('');
    expect(result.status).toBe(200);
    expect(result.body).toEqual(expect.objectContaining({ total: 3, page: 1, limit: 50 }));
    const [batch, product, supplier] = logsOf(result);
    expect(batch).toEqual({
      id: expect.stringMatching(/^syn_/),
      createdAt: expect.any(String),
      entityType: 'BATCH',
      action: 'UPSERT',
      status: 'ERROR',
      created: 0,
      updated: 0,
      failed: 1,
      recordsAffected: 0,
      integrationId,
      error: expect.stringMatching(/^1 of 1 record failed; first: B-1: .*P-UNKNOWN/),
      errors: [{ externalId: 'B-1', error: expect.stringContaining('P-UNKNOWN') }],
      source: 'batches-service',
      requestId: expect.any(String),
    });
    expect(product).toEqual(
      expect.objectContaining({
        entityType: 'PRODUCT',
        status: 'PARTIAL',
        created: 2,
        failed: 1,
        recordsAffected: 2,
        error: expect.stringMatching(/^1 of 3 records failed; first: P-BAD: /),
        errors: [{ externalId: 'P-BAD', error: expect.any(String) }],
      }),
    );
    expect(supplier).toEqual(
      expect.objectContaining({
        entityType: 'SUPPLIER',
        status: 'SUCCESS',
        created: 1,
        recordsAffected: 1,
        error: null,
        errors: [],
        source: 'suppliers-service',
      }),
    );
  });

  it('filters by entity type, status and time', async () => {
    const ids = async (query: string) => {
      const result = await history(query);
      expect(result.status).toBe(200);
      return logsOf(result).map((log) => `${String(log['entityType'])}/${String(log['status'])}`);
    };
    expect(await ids('&entityType=PRODUCT')).toEqual(['PRODUCT/PARTIAL']);
    expect(await ids('&status=ERROR')).toEqual(['BATCH/ERROR']);
    expect(await ids('&entityType=SUPPLIER&status=SUCCESS')).toEqual(['SUPPLIER/SUCCESS']);
    expect(await ids('&entityType=BATCH&status=SUCCESS')).toEqual([]);
    expect(await ids('&since=2999-01-01')).toEqual([]);
  });

  it('pages in a stable order', async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((page) => history(`&limit=1&page=${page}`)));
    expect(pages.map((page) => page.body?.['total'])).toEqual([3, 3, 3, 3]);
    const seen = pages.flatMap(logsOf).map((log) => log['entityType']);
    expect(seen).toEqual(['BATCH', 'PRODUCT', 'SUPPLIER']);
  });

  it('keeps the first ten failed records of a push', async () => {
    const bad = Array.from({ length: 12 }, (_, i) => ({ externalId: `BAD-${i}` }));
    expect((await api.post(PATHS.products, { products: bad })).body).toEqual(
      expect.objectContaining({ created: 0 }),
    );
    const [latest] = logsOf(await history('&limit=1'));
    expect(latest).toEqual(
      expect.objectContaining({
        status: 'ERROR',
        failed: 12,
        error: expect.stringMatching(/^12 of 12 records/),
      }),
    );
    expect((latest?.['errors'] as Log[]).map((e) => e['externalId'])).toEqual(
      Array.from({ length: 10 }, (_, i) => `BAD-${i}`),
    );
  });

  it("shows another integration's pushes only under that integration", async () => {
    const other = await admin(adminA, `${ADMIN_SYNC_LOGS}?integrationId=${otherIntegrationId}`);
    expect(logsOf(other).map((log) => [log['entityType'], log['integrationId']])).toEqual([
      ['PRODUCT', otherIntegrationId],
    ]);
  });

  it("answers 404 for another organisation's integration and for one that does not exist", async () => {
    for (const [jwt, id] of [
      [adminB, integrationId],
      [adminA, 'int_000000000000000000000000'],
    ] as const) {
      const result = await admin(jwt, `${ADMIN_SYNC_LOGS}?integrationId=${id}`);
      expect([result.status, errorCode(result)]).toEqual([404, 'NOT_FOUND']);
    }
  });

  it.each([
    ['no integrationId', '', /^integrationId: is required/],
    ['a malformed integrationId', '?integrationId=int_123', /^integrationId: must be an integration id/],
    [
      'an unknown entity type',
      '?integrationId=int_000000000000000000000000&entityType=ORDER',
      /^entityType: /,
    ],
    ['an unknown status', '?integrationId=int_000000000000000000000000&status=FAILED', /^status: /],
    ['limit 101', '?integrationId=int_000000000000000000000000&limit=101', /^limit: /],
    ['a bad since', '?integrationId=int_000000000000000000000000&since=yesterday', /^since: /],
    ['a huge integrationId', `?integrationId=int_${'a'.repeat(5_000)}`, /^integrationId: /],
  ])('answers 400 to %s', async (_name, query, message) => {
    const result = await admin(adminA, `${ADMIN_SYNC_LOGS}${query}`);
    expect([result.status, errorCode(result)]).toEqual([400, 'VALIDATION_ERROR']);
    expect(String(result.body?.['message'])).toMatch(message);
  });
});

describe('GET /api/v1/admin/sync-status', () => {
  it("answers the organisation's record totals, as the Integration API's /sync-status does", async () => {
    const result = await admin(adminA, ADMIN_SYNC_STATUS);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ suppliers: { total: 1 }, products: { total: 3 }, batches: { total: 0 } });
    expect(result.body).toEqual((await api.get(PATHS.syncStatus)).body);
    expect((await admin(adminB, ADMIN_SYNC_STATUS)).body).toEqual({
      suppliers: { total: 0 },
      products: { total: 0 },
      batches: { total: 0 },
    });
  });
});

describe('authentication', () => {
  it.each([ADMIN_SYNC_STATUS, `${ADMIN_SYNC_LOGS}?integrationId=int_000000000000000000000000`])(
    'answers 401 and 403 on %s as the admin API does',
    async (path) => {
      const missing = await call(stack.edge.url, path);
      expect([missing.status, errorCode(missing)]).toEqual([401, 'AUTHENTICATION_REQUIRED']);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="eudr-admin"');
      const expired = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_A, expiresInSeconds: -120 });
      const token = await stack.issueToken(await stack.admin(ORG_A), ['integration:sync:read']);
      for (const [authorization, code] of [
        ['Bearer not-a-jwt', 'INVALID_ADMIN_TOKEN'],
        [`Bearer ${expired}`, 'ADMIN_TOKEN_EXPIRED'],
        [`Bearer ${token.token}`, 'INVALID_ADMIN_TOKEN'],
      ] as const) {
        const result = await call(stack.edge.url, path, { authorization });
        expect([result.status, errorCode(result)]).toEqual([401, code]);
      }
      const viewer = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_A, role: 'viewer' });
      const refused = await admin(viewer, path);
      expect([refused.status, errorCode(refused)]).toEqual([403, 'FORBIDDEN']);
    },
  );
});
