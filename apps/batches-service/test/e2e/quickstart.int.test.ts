import { ALL_SCOPES, PATHS, client, startBatchesStack, waitFor } from './batches-stack';
import type { IssuedToken, Stack } from './batches-stack';

// The documented quickstart, end to end through the edge: suppliers to suppliers-service, linked
// products and batches (with autoCreateDDS) to batches-service, then the DDS and the sync status.

jest.setTimeout(90_000);

let stack: Stack;
let token: IssuedToken;
let api: ReturnType<typeof client>;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

beforeAll(async () => {
  stack = await startBatchesStack('e2e_batches_quickstart');
  token = await stack.issueToken(await stack.admin('org_quickstart'), ALL_SCOPES);
  api = client(stack, token);
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('the quickstart flow', () => {
  let supplierId = '';
  let productId = '';
  let batchId = '';
  let ddsNumber = '';

  it('pushes a supplier to suppliers-service', async () => {
    const result = await api.post(PATHS.suppliers, {
      suppliers: [{ externalId: 'SUP-001', name: 'Cocoa Farm Ltd', country: 'GH' }],
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ success: true, created: 1, updated: 0, errors: [] });
    supplierId = (result.body?.['records'] as { internalId: string }[])[0]?.internalId ?? '';
    expect(supplierId).toMatch(/^sup_/);
  });

  it('pushes a product linked to the supplier, SYNCED once the supplier is known', async () => {
    // The supplier reaches batches-service through Kafka; the product is SYNCED at once or shortly after.
    const result = await api.post(PATHS.products, {
      products: [
        {
          externalId: 'PRD-001',
          name: 'Cocoa beans',
          category: 'cocoa',
          country: 'gh',
          hsCode: '1801.00',
          unit: 'kg',
          supplierExternalId: 'SUP-001',
          ignoredField: 'x',
        },
      ],
    });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      success: true,
      created: 1,
      updated: 0,
      errors: [],
      records: [
        { externalId: 'PRD-001', internalId: expect.stringMatching(/^prd_[0-9a-f]{24}$/), status: 'CREATED' },
      ],
    });
    productId = (result.body?.['records'] as { internalId: string }[])[0]?.internalId ?? '';
    await waitFor(
      async () => (await api.get(`${PATHS.products}/PRD-001`)).body?.['syncStatus'] === 'SYNCED',
      {
        timeoutMs: 20_000,
        message: 'the product to become SYNCED',
      },
    );
    const product = await api.get(`${PATHS.products}/PRD-001`);
    expect(product.body).toEqual({
      externalId: 'PRD-001',
      internalId: productId,
      name: 'Cocoa beans',
      category: 'cocoa',
      country: 'GH',
      hsCode: '1801.00',
      unit: 'kg',
      code: null,
      description: null,
      supplierExternalId: 'SUP-001',
      syncStatus: 'SYNCED',
      lastSyncedAt: expect.stringMatching(ISO),
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
  });

  it('pushes batches with autoCreateDDS and gets a DRAFT DDS for the new batch', async () => {
    const result = await api.post(PATHS.batches, {
      autoCreateDDS: true,
      batches: [
        {
          externalId: 'BATCH-001',
          productExternalId: 'PRD-001',
          batchNumber: 'LOT-2025-001',
          quantity: 1250.5,
          unit: 'kg',
          receivedDate: '2025-01-15',
          expiryDate: '2026-01-15T00:00:00Z',
        },
      ],
    });
    expect(result.status).toBe(200);
    const year = new Date().getUTCFullYear();
    expect(result.body).toEqual({
      success: true,
      created: 1,
      updated: 0,
      errors: [],
      records: [
        {
          externalId: 'BATCH-001',
          internalId: expect.stringMatching(/^bat_[0-9a-f]{24}$/),
          status: 'CREATED',
        },
      ],
      ddsCreated: [{ batchExternalId: 'BATCH-001', ddsNumber: `DDS-${year}-00001`, status: 'DRAFT' }],
      ddsSkipped: [],
    });
    batchId = (result.body?.['records'] as { internalId: string }[])[0]?.internalId ?? '';
    ddsNumber = (result.body?.['ddsCreated'] as { ddsNumber: string }[])[0]?.ddsNumber ?? '';
  });

  it('lists the batch with its batch number as name', async () => {
    const list = await api.get(PATHS.batches);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      entities: [
        {
          externalId: 'BATCH-001',
          internalId: batchId,
          name: 'LOT-2025-001',
          productExternalId: 'PRD-001',
          batchNumber: 'LOT-2025-001',
          quantity: 1250.5,
          unit: 'kg',
          receivedDate: '2025-01-15',
          expiryDate: '2026-01-15T00:00:00Z',
          syncStatus: 'SYNCED',
          lastSyncedAt: expect.stringMatching(ISO),
          createdAt: expect.stringMatching(ISO),
          updatedAt: expect.stringMatching(ISO),
        },
      ],
      total: 1,
      page: 1,
      limit: 50,
    });
  });

  it('reads the DDS of the batch with its product and supplier', async () => {
    const dds = await api.get(`${PATHS.dds}/BATCH-001`);
    expect(dds.status).toBe(200);
    expect(dds.body).toEqual({
      batchExternalId: 'BATCH-001',
      batchNumber: 'LOT-2025-001',
      internalBatchId: batchId,
      product: { id: productId, name: 'Cocoa beans', hsCode: '1801.00' },
      supplier: { id: supplierId, name: 'Cocoa Farm Ltd', country: 'GH' },
      ddsNumber,
      ddsStatus: 'DRAFT',
      ddsSubmissions: [],
    });
  });

  it('answers 404 NOT_FOUND for the DDS of an unknown batch', async () => {
    const dds = await api.get(`${PATHS.dds}/NOPE`);
    expect(dds.status).toBe(404);
    expect(dds.body).toMatchObject({ error: 'NOT_FOUND' });
  });

  it('reports the sync status of all three entity types', async () => {
    const totals = await api.get(PATHS.syncStatus);
    expect(totals.status).toBe(200);
    expect(totals.body).toEqual({ suppliers: { total: 1 }, products: { total: 1 }, batches: { total: 1 } });

    const suppliers = await api.get(`${PATHS.syncStatus}?entityType=SUPPLIER`);
    expect(suppliers.body).toEqual({
      entities: [
        {
          externalId: 'SUP-001',
          internalId: supplierId,
          name: 'Cocoa Farm Ltd',
          syncStatus: 'SYNCED',
          lastSyncedAt: expect.stringMatching(ISO),
        },
      ],
      total: 1,
      page: 1,
      limit: 50,
    });
    const products = await api.get(
      `${PATHS.syncStatus}?entityType=PRODUCT&externalIds=PRD-001,PRD-404&limit=10`,
    );
    expect(products.body).toEqual({
      entities: [
        {
          externalId: 'PRD-001',
          internalId: productId,
          name: 'Cocoa beans',
          syncStatus: 'SYNCED',
          lastSyncedAt: expect.stringMatching(ISO),
        },
      ],
      total: 1,
      page: 1,
      limit: 10,
    });
  });

  it('logs one entry per bulk request of each entity type, newest first', async () => {
    await waitFor(async () => (await api.get(PATHS.syncLogs)).body?.['total'] === 3, {
      timeoutMs: 20_000,
      message: 'the supplier sync log to arrive',
    });
    const logs = await api.get(PATHS.syncLogs);
    const entry = (entityType: string) => ({
      id: expect.stringMatching(/^syn_/),
      createdAt: expect.stringMatching(ISO),
      entityType,
      status: 'SUCCESS',
      created: 1,
      updated: 0,
      failed: 0,
      integrationId: token.integrationId,
    });
    expect(logs.body).toEqual({
      entities: [entry('BATCH'), entry('PRODUCT'), entry('SUPPLIER')],
      total: 3,
      page: 1,
      limit: 50,
    });
  });

  it('rejects out-of-range list parameters with VALIDATION_ERROR', async () => {
    for (const query of [
      `${PATHS.products}?page=0`,
      `${PATHS.batches}?limit=101`,
      `${PATHS.batches}?since=yesterday`,
      `${PATHS.syncStatus}?entityType=WIDGET`,
      `${PATHS.syncLogs}?limit=0`,
    ]) {
      const result = await api.get(query);
      expect({ query, status: result.status, error: result.body?.['error'] }).toEqual({
        query,
        status: 400,
        error: 'VALIDATION_ERROR',
      });
    }
  });
});
