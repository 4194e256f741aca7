import { ALL_SCOPES, PATHS, client, patchDds, startBatchesStack } from './batches-stack';
import type { Stack } from './batches-stack';

// Scopes are exact, organisations never see each other's records, and a bad record never fails its
// neighbours.

jest.setTimeout(90_000);

let stack: Stack;
let a: ReturnType<typeof client>;
let b: ReturnType<typeof client>;
let ddsOnly: ReturnType<typeof client>;
let ddsNumberA = '';

beforeAll(async () => {
  stack = await startBatchesStack('e2e_batches_tenancy');
  const adminA = await stack.admin('org_tenant_a');
  a = client(stack, await stack.issueToken(adminA, ALL_SCOPES));
  b = client(stack, await stack.issueToken(await stack.admin('org_tenant_b'), ALL_SCOPES));
  ddsOnly = client(stack, await stack.issueToken(adminA, ['integration:dds:read']));
  await a.post(PATHS.products, { products: [{ externalId: 'P-1', name: 'Cocoa', hsCode: '1801' }] });
  const pushed = await a.post(PATHS.batches, {
    autoCreateDDS: true,
    batches: [{ externalId: 'B-1', productExternalId: 'P-1', batchNumber: 'L-1' }],
  });
  ddsNumberA = (pushed.body?.['ddsCreated'] as { ddsNumber: string }[])[0]?.ddsNumber ?? '';
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('scopes', () => {
  it('lets a dds:read token read a DDS but not list batches (403 INSUFFICIENT_SCOPES)', async () => {
    expect((await ddsOnly.get(`${PATHS.dds}/B-1`)).status).toBe(200);
    for (const path of [PATHS.batches, PATHS.products, PATHS.syncStatus, PATHS.syncLogs]) {
      const result = await ddsOnly.get(path);
      expect({ path, status: result.status }).toEqual({ path, status: 403 });
      expect(String(result.body?.['error'])).toMatch(/^INSUFFICIENT_SCOPE/);
    }
    const write = await ddsOnly.post(PATHS.batches, {
      batches: [{ externalId: 'X', productExternalId: 'P-1', batchNumber: 'X' }],
    });
    expect(write.status).toBe(403);
  });

  it('rejects a request without a token with 401', async () => {
    const result = await fetch(`${stack.edge.url}${PATHS.products}`);
    expect(result.status).toBe(401);
  });
});

describe('tenancy', () => {
  it('shows organisation B none of A’s products, batches or DDS', async () => {
    expect((await b.get(PATHS.products)).body).toMatchObject({ entities: [], total: 0 });
    expect((await b.get(PATHS.batches)).body).toMatchObject({ entities: [], total: 0 });
    expect((await b.get(`${PATHS.products}/P-1`)).status).toBe(404);
    expect((await b.get(`${PATHS.batches}/B-1`)).status).toBe(404);
    expect((await b.get(`${PATHS.dds}/B-1`)).status).toBe(404);
    expect((await b.get(PATHS.syncStatus)).body).toEqual({
      suppliers: { total: 0 },
      products: { total: 0 },
      batches: { total: 0 },
    });
    expect((await patchDds(stack, 'org_tenant_b', ddsNumberA, 'SUBMITTED')).status).toBe(404);
  });

  it('does not let B link a batch to A’s product', async () => {
    const result = await b.post(PATHS.batches, {
      batches: [{ externalId: 'B-1', productExternalId: 'P-1', batchNumber: 'L-B' }],
    });
    expect(result.body).toMatchObject({
      success: false,
      created: 0,
      errors: [{ externalId: 'B-1', error: expect.stringContaining('sync products first') }],
    });
  });

  it('numbers B’s DDS from its own counter', async () => {
    await b.post(PATHS.products, { products: [{ externalId: 'P-1', name: 'B cocoa', hsCode: '1801' }] });
    const pushed = await b.post(PATHS.batches, {
      autoCreateDDS: true,
      batches: [{ externalId: 'B-1', productExternalId: 'P-1', batchNumber: 'L-B' }],
    });
    expect(pushed.body?.['ddsCreated']).toEqual([
      { batchExternalId: 'B-1', ddsNumber: ddsNumberA, status: 'DRAFT' },
    ]);
  });
});

describe('per-record validation', () => {
  it('reports each bad product on its own and writes its neighbours', async () => {
    const result = await a.post(PATHS.products, {
      products: [
        { externalId: 'V-OK-1', name: 'Fine', hsCode: '4407.10.91' },
        { externalId: 'V-HS-SHORT', name: 'x', hsCode: '180' },
        { externalId: 'V-HS-LONG', name: 'x', hsCode: '12345678901' },
        { externalId: 'V-HS-LETTERS', name: 'x', hsCode: '18AB' },
        { externalId: 'V-HS-DOTS', name: 'x', hsCode: '1801..00' },
        { externalId: 'V-COUNTRY', name: 'x', country: 'XX' },
        { externalId: 'V-NONAME' },
        { externalId: 'V-OK-1', name: 'Duplicate' },
        { externalId: 'V-OK-2', name: 'Also fine', hsCode: '1801' },
      ],
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ success: true, created: 2, updated: 0 });
    const errors = result.body?.['errors'] as { externalId: string; error: string }[];
    expect(errors.map((e) => e.externalId)).toEqual([
      'V-HS-SHORT',
      'V-HS-LONG',
      'V-HS-LETTERS',
      'V-HS-DOTS',
      'V-COUNTRY',
      'V-NONAME',
      'V-OK-1',
    ]);
    expect(errors[0]?.error).toMatch(/hsCode/);
    expect(errors[5]?.error).toMatch(/name.*required/);
    expect(errors[6]?.error).toMatch(/duplicate of record 0/);
    expect((await a.get(`${PATHS.products}/V-OK-1`)).body).toMatchObject({ name: 'Fine' });
  });

  it('reports each bad batch on its own and writes its neighbours', async () => {
    const result = await a.post(PATHS.batches, {
      batches: [
        {
          externalId: 'VB-OK',
          productExternalId: 'P-1',
          batchNumber: 'L',
          quantity: 0,
          receivedDate: '2025-02-01T10:00:00+01:00',
        },
        { externalId: 'VB-NEG', productExternalId: 'P-1', batchNumber: 'L', quantity: -1 },
        { externalId: 'VB-STR', productExternalId: 'P-1', batchNumber: 'L', quantity: '5' },
        { externalId: 'VB-DATE', productExternalId: 'P-1', batchNumber: 'L', receivedDate: '31/01/2025' },
        { externalId: 'VB-EXP', productExternalId: 'P-1', batchNumber: 'L', expiryDate: '2025-13-01' },
        { externalId: 'VB-NOPROD', productExternalId: 'P-404', batchNumber: 'L' },
        { externalId: 'VB-NONUM', productExternalId: 'P-1' },
        { externalId: 'VB-OK', productExternalId: 'P-1', batchNumber: 'dup' },
      ],
    });
    expect(result.body).toMatchObject({ success: true, created: 1, updated: 0 });
    const errors = result.body?.['errors'] as { externalId: string; error: string }[];
    expect(
      Object.fromEntries(errors.map((e) => [e.externalId === 'VB-OK' ? 'dup' : e.externalId, e.error])),
    ).toEqual({
      'VB-NEG': expect.stringMatching(/quantity/),
      'VB-STR': expect.stringMatching(/quantity/),
      'VB-DATE': expect.stringMatching(/receivedDate/),
      'VB-EXP': expect.stringMatching(/expiryDate/),
      'VB-NOPROD': expect.stringMatching(/sync products first/),
      'VB-NONUM': expect.stringMatching(/batchNumber/),
      dup: expect.stringMatching(/duplicate of record 0/),
    });
    expect(result.body?.['records']).toHaveLength(8);
  });

  it('refuses 501 records with BATCH_LIMIT_EXCEEDED and an empty list with VALIDATION_ERROR', async () => {
    const many = Array.from({ length: 501 }, (_, i) => ({ externalId: `M-${i}`, name: 'x' }));
    const tooMany = await a.post(PATHS.products, { products: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: 'BATCH_LIMIT_EXCEEDED' });
    const empty = await a.post(PATHS.batches, { batches: [] });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: 'VALIDATION_ERROR' });
  });
});
