import type { BulkUpsertResponse, SupplierEntity, SupplierList } from '../src/suppliers/suppliers.schemas';
import { READ, SUPPLIERS_URL_PATH, WRITE, startHarness } from './helpers/suppliers-harness';
import type { Harness } from './helpers/suppliers-harness';

jest.setTimeout(120_000);

let harness: Harness;
let tokenA: string;
let tokenB: string;
let readOnly: string;
let writeOnly: string;

beforeAll(async () => {
  harness = await startHarness('suppliers-tenancy');
  [tokenA, tokenB, readOnly, writeOnly] = await Promise.all([
    harness.issueToken('org_a', [READ, WRITE]),
    harness.issueToken('org_b', [READ, WRITE]),
    harness.issueToken('org_a', [READ]),
    harness.issueToken('org_a', [WRITE]),
  ]);
});

afterAll(async () => {
  await harness?.close();
});

function upsert(token: string, suppliers: unknown[]) {
  return harness.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, { token, body: { suppliers } });
}

function get(token: string, externalId: string) {
  return harness.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/${externalId}`, { token });
}

describe('organisations', () => {
  it('keeps suppliers with the same externalId apart: neither organisation can read or overwrite the other one', async () => {
    const createdA = await upsert(tokenA, [{ externalId: 'shared-1', name: 'A original', country: 'DE' }]);
    const createdB = await upsert(tokenB, [{ externalId: 'shared-1', name: 'B original', country: 'FR' }]);
    expect(createdA.body.records[0]?.status).toBe('CREATED');
    expect(createdB.body.records[0]?.status).toBe('CREATED');
    const internalA = createdA.body.records[0]?.internalId;
    const internalB = createdB.body.records[0]?.internalId;
    expect(internalA).not.toBe(internalB);

    // A writes the shared externalId again: it updates A's record and leaves B's alone.
    const updateA = await upsert(tokenA, [{ externalId: 'shared-1', name: 'A renamed' }]);
    expect(updateA.body.records[0]).toEqual({
      externalId: 'shared-1',
      internalId: internalA,
      status: 'UPDATED',
    });
    expect((await get(tokenA, 'shared-1')).body).toMatchObject({
      internalId: internalA,
      name: 'A renamed',
      country: 'DE',
    });
    expect((await get(tokenB, 'shared-1')).body).toMatchObject({
      internalId: internalB,
      name: 'B original',
      country: 'FR',
    });

    // An organisation id in the body changes nothing: the organisation comes from the token.
    await upsert(tokenA, [{ externalId: 'shared-1', name: 'A again', orgId: 'org_b' }]);
    expect((await get(tokenB, 'shared-1')).body.name).toBe('B original');
  });

  it('never shows one organisation the suppliers of another', async () => {
    await upsert(tokenB, [{ externalId: 'only-b', name: 'Only B' }]);
    const fromA = await get(tokenA, 'only-b');
    expect(fromA.status).toBe(404);
    expect(fromA.body).toMatchObject({ error: 'NOT_FOUND' });
    const listA = await harness.request<SupplierList>('GET', `${SUPPLIERS_URL_PATH}?limit=100`, {
      token: tokenA,
    });
    expect(listA.body.entities.map((entity) => entity.externalId)).not.toContain('only-b');
    expect(listA.body.entities.every((entity) => entity.name.startsWith('A'))).toBe(true);
    const listB = await harness.request<SupplierList>('GET', `${SUPPLIERS_URL_PATH}?limit=100`, {
      token: tokenB,
    });
    expect(listB.body.entities.map((entity) => entity.externalId).sort()).toEqual(['only-b', 'shared-1']);
  });
});

describe('scopes', () => {
  it('rejects a POST with a read-only token with INSUFFICIENT_SCOPES', async () => {
    const response = await upsert(readOnly, [{ externalId: 'scoped', name: 'Scoped' }]);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: 'INSUFFICIENT_SCOPES' });
    expect(response.headers.get('www-authenticate')).toContain(`scope="${WRITE}"`);
    expect((await get(tokenA, 'scoped')).status).toBe(404);
  });

  it('rejects both reads with a write-only token with INSUFFICIENT_SCOPES', async () => {
    const listed = await harness.request('GET', SUPPLIERS_URL_PATH, { token: writeOnly });
    expect(listed.status).toBe(403);
    expect(listed.body).toMatchObject({ error: 'INSUFFICIENT_SCOPES' });
    expect(listed.headers.get('www-authenticate')).toContain(`scope="${READ}"`);
    const one = await get(writeOnly, 'shared-1');
    expect(one.status).toBe(403);
    expect(one.body).toMatchObject({ error: 'INSUFFICIENT_SCOPES' });
  });

  it('lets a write-only token upsert and a read-only token read', async () => {
    const written = await upsert(writeOnly, [{ externalId: 'by-writer', name: 'A by writer' }]);
    expect(written.status).toBe(200);
    expect(written.body.created).toBe(1);
    expect((await get(readOnly, 'by-writer')).body).toMatchObject({ name: 'A by writer' });
  });

  it('asks for a token when there is none', async () => {
    const response = await harness.request('GET', SUPPLIERS_URL_PATH);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'AUTHENTICATION_REQUIRED' });
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    const post = await harness.request('POST', SUPPLIERS_URL_PATH, { body: { suppliers: [] } });
    expect(post.status).toBe(401);
  });
});
