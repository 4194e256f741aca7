import type { BulkUpsertResponse, SupplierEntity, SupplierList } from '../src/suppliers/suppliers.schemas';
import { READ, SUPPLIERS_URL_PATH, WRITE, fullSupplier, startHarness } from './helpers/suppliers-harness';
import type { Harness } from './helpers/suppliers-harness';

jest.setTimeout(120_000);

let harness: Harness;
let token: string;
/** lastSyncedAt of each of the three seeding requests. */
const batchTimes: string[] = [];

function list(query: string) {
  return harness.request<SupplierList>('GET', `${SUPPLIERS_URL_PATH}${query}`, { token });
}

beforeAll(async () => {
  harness = await startHarness('suppliers-lists');
  token = await harness.issueToken('org_lists', [READ, WRITE]);
  // Three requests, so the list holds three lastSyncedAt values; ids go in reverse order within each
  // batch so that the externalId tie-break is visible.
  for (let batch = 0; batch < 3; batch++) {
    const suppliers = Array.from({ length: 40 }, (_, i) =>
      fullSupplier(`list-${batch}-${String(39 - i).padStart(2, '0')}`),
    );
    const response = await harness.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers },
    });
    expect(response.body.created).toBe(40);
    const one = await harness.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/list-${batch}-00`, {
      token,
    });
    batchTimes.push(one.body.lastSyncedAt);
  }
});

afterAll(async () => {
  await harness?.close();
});

describe('GET /api/v1/integration/suppliers', () => {
  it('pages through every supplier once, ordered by lastSyncedAt then externalId', async () => {
    const seen: SupplierEntity[] = [];
    for (let page = 1; page <= 5; page++) {
      const response = await list(`?page=${page}&limit=25`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ total: 120, page, limit: 25 });
      expect(response.body.entities).toHaveLength(page < 5 ? 25 : 20);
      seen.push(...response.body.entities);
    }
    expect(new Set(seen.map((entity) => entity.externalId)).size).toBe(120);
    const sorted = [...seen].sort(
      (a, b) => a.lastSyncedAt.localeCompare(b.lastSyncedAt) || a.externalId.localeCompare(b.externalId),
    );
    expect(seen.map((entity) => entity.externalId)).toEqual(sorted.map((entity) => entity.externalId));
    expect(seen[0]?.externalId).toBe('list-0-00');

    const again = await list('?page=3&limit=25');
    expect(again.body.entities.map((entity) => entity.externalId)).toEqual(
      seen.slice(50, 75).map((entity) => entity.externalId),
    );
    const beyond = await list('?page=6&limit=25');
    expect(beyond.body).toEqual({ entities: [], total: 120, page: 6, limit: 25 });
  });

  it('uses page 1 and a limit of 50 by default and shows every field of a supplier', async () => {
    const response = await list('');
    expect(response.body).toMatchObject({ total: 120, page: 1, limit: 50 });
    expect(response.body.entities).toHaveLength(50);
    const first = response.body.entities[0] as SupplierEntity;
    expect(Object.keys(first).sort()).toEqual(
      [
        'address',
        'certifications',
        'city',
        'code',
        'contactPerson',
        'country',
        'createdAt',
        'email',
        'externalId',
        'internalId',
        'isEuOrigin',
        'lastSyncedAt',
        'name',
        'phone',
        'postalCode',
        'state',
        'syncStatus',
        'taxId',
        'updatedAt',
        'website',
      ].sort(),
    );
    expect(first).toMatchObject({
      syncStatus: 'SYNCED',
      internalId: expect.stringMatching(/^sup_[0-9a-f]{24}$/),
    });
  });

  it('returns only suppliers synced after `since`', async () => {
    const afterFirst = await list(`?since=${encodeURIComponent(batchTimes[0] as string)}&limit=100`);
    expect(afterFirst.body.total).toBe(80);
    expect(afterFirst.body.entities.every((entity) => entity.lastSyncedAt > (batchTimes[0] as string))).toBe(
      true,
    );
    const afterLast = await list(`?since=${encodeURIComponent(batchTimes[2] as string)}`);
    expect(afterLast.body).toMatchObject({ total: 0, entities: [] });
    const sinceDate = await list('?since=2000-01-01');
    expect(sinceDate.body.total).toBe(120);
    const withOffset = await list(`?since=${encodeURIComponent('2000-01-01T00:00:00+02:00')}&limit=1`);
    expect(withOffset.body.total).toBe(120);
  });

  it('moves a supplier to the end of the list when it is synced again', async () => {
    await harness.request('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers: [{ externalId: 'list-0-05', name: 'Again' }] },
    });
    const last = await list('?page=120&limit=1');
    expect(last.body.entities[0]).toMatchObject({ externalId: 'list-0-05', name: 'Again' });
    const since = await list(`?since=${encodeURIComponent(batchTimes[2] as string)}`);
    expect(since.body.entities.map((entity) => entity.externalId)).toEqual(['list-0-05']);
  });

  it.each([
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=abc', 'page'],
    ['page=1.5', 'page'],
    ['page=1&page=2', 'page'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['since=yesterday', 'since'],
    ['since=2025-13-01', 'since'],
    ['since=2025-01-31T12:00:00', 'since'],
  ])('rejects ?%s with VALIDATION_ERROR naming %s', async (query, parameter) => {
    const response = await list(`?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'VALIDATION_ERROR' });
    expect((response.body as unknown as { message: string }).message).toMatch(new RegExp(`^${parameter}: `));
  });
});

describe('GET /api/v1/integration/suppliers/:externalId', () => {
  it('returns the full record', async () => {
    const response = await harness.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/list-1-07`, {
      token,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      ...fullSupplier('list-1-07'),
      internalId: expect.stringMatching(/^sup_/),
      syncStatus: 'SYNCED',
      lastSyncedAt: batchTimes[1],
    });
  });

  it('finds an externalId that needs URL encoding', async () => {
    const externalId = 'ERP/42 ä#1';
    await harness.request('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers: [{ externalId, name: 'Encoded' }] },
    });
    const response = await harness.request<SupplierEntity>(
      'GET',
      `${SUPPLIERS_URL_PATH}/${encodeURIComponent(externalId)}`,
      { token },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ externalId, name: 'Encoded' });
  });

  it('answers an unknown externalId with NOT_FOUND', async () => {
    const response = await harness.request('GET', `${SUPPLIERS_URL_PATH}/does-not-exist`, { token });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'NOT_FOUND' });
  });
});
