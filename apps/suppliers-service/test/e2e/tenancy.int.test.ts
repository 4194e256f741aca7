import { READ, SUPPLIERS_PATH, WRITE, call, expectApiError, startE2eStack } from './e2e-stack';
import type { E2eStack, HttpResult, IssuedToken } from './e2e-stack';

// Two organisations, each with its own admin and token, use the same externalId. Every query is
// scoped to the token's organisation: neither can read or change the other's supplier.

jest.setTimeout(60_000);

const SHARED_ID = 'SUP-SHARED-1';

let stack: E2eStack;
let tokenA: IssuedToken;
let tokenB: IssuedToken;
let edgeUrl: string;

beforeAll(async () => {
  stack = await startE2eStack('e2e_tenancy');
  edgeUrl = stack.edge.url;
  tokenA = await stack.issueToken(await stack.admin('org_tenant_a'), [READ, WRITE]);
  tokenB = await stack.issueToken(await stack.admin('org_tenant_b'), [READ, WRITE]);
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

function push(token: string, suppliers: Record<string, unknown>[]): Promise<HttpResult> {
  return call(edgeUrl, SUPPLIERS_PATH, { method: 'POST', token, body: { suppliers } });
}

function getOne(token: string, externalId: string): Promise<HttpResult> {
  return call(edgeUrl, `${SUPPLIERS_PATH}/${encodeURIComponent(externalId)}`, { token });
}

function records(result: HttpResult): { externalId: string; internalId: string; status: string }[] {
  return (result.body?.['records'] ?? []) as { externalId: string; internalId: string; status: string }[];
}

describe('suppliers of two organisations with the same externalId', () => {
  let pushA: HttpResult;
  let pushB: HttpResult;
  let internalA = '';
  let internalB = '';

  beforeAll(async () => {
    pushA = await push(tokenA.token, [{ externalId: SHARED_ID, name: 'Alpha Timber', country: 'BR' }]);
    pushB = await push(tokenB.token, [{ externalId: SHARED_ID, name: 'Beta Cocoa', country: 'GH' }]);
    internalA = records(pushA)[0]?.internalId ?? '';
    internalB = records(pushB)[0]?.internalId ?? '';
  });

  it('creates a separate supplier for each organisation', () => {
    expect(pushA.status).toBe(200);
    expect(pushA.body).toEqual(
      expect.objectContaining({ success: true, created: 1, updated: 0, errors: [] }),
    );
    expect(pushB.status).toBe(200);
    // B's record is new to B even though A has one with the same externalId.
    expect(pushB.body).toEqual(
      expect.objectContaining({ success: true, created: 1, updated: 0, errors: [] }),
    );
    expect(internalA).toMatch(/^sup_/);
    expect(internalB).toMatch(/^sup_/);
    expect(internalA).not.toBe(internalB);
  });

  it('lists to each organisation only its own supplier', async () => {
    const listA = await call(edgeUrl, SUPPLIERS_PATH, { token: tokenA.token });
    const listB = await call(edgeUrl, SUPPLIERS_PATH, { token: tokenB.token });
    expect(listA.status).toBe(200);
    expect(listB.status).toBe(200);
    expect(listA.body).toEqual(
      expect.objectContaining({
        total: 1,
        entities: [
          expect.objectContaining({ externalId: SHARED_ID, internalId: internalA, name: 'Alpha Timber' }),
        ],
      }),
    );
    expect(listB.body).toEqual(
      expect.objectContaining({
        total: 1,
        entities: [
          expect.objectContaining({ externalId: SHARED_ID, internalId: internalB, name: 'Beta Cocoa' }),
        ],
      }),
    );
  });

  it("answers GET of the shared externalId with the caller's own supplier", async () => {
    const oneA = await getOne(tokenA.token, SHARED_ID);
    const oneB = await getOne(tokenB.token, SHARED_ID);
    expect(oneA.status).toBe(200);
    expect(oneB.status).toBe(200);
    expect(oneA.body).toEqual(
      expect.objectContaining({ internalId: internalA, name: 'Alpha Timber', country: 'BR' }),
    );
    expect(oneB.body).toEqual(
      expect.objectContaining({ internalId: internalB, name: 'Beta Cocoa', country: 'GH' }),
    );
  });

  it("updates only the caller's supplier when A pushes the shared externalId again", async () => {
    const before = await getOne(tokenB.token, SHARED_ID);
    const update = await push(tokenA.token, [
      { externalId: SHARED_ID, name: 'Alpha Timber Renamed', country: 'PE' },
    ]);
    expect(update.body).toEqual(expect.objectContaining({ success: true, created: 0, updated: 1 }));
    expect(records(update)).toEqual([{ externalId: SHARED_ID, internalId: internalA, status: 'UPDATED' }]);
    expect((await getOne(tokenA.token, SHARED_ID)).body).toEqual(
      expect.objectContaining({ internalId: internalA, name: 'Alpha Timber Renamed', country: 'PE' }),
    );
    const after = await getOne(tokenB.token, SHARED_ID);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
  });

  it("answers 404 NOT_FOUND for another organisation's externalId", async () => {
    const pushB = await push(tokenB.token, [{ externalId: 'SUP-ONLY-B', name: 'Only in B' }]);
    expect(pushB.status).toBe(200);
    expectApiError(await getOne(tokenA.token, 'SUP-ONLY-B'), 404, 'NOT_FOUND', null);
    expect((await getOne(tokenB.token, 'SUP-ONLY-B')).status).toBe(200);
  });
});
