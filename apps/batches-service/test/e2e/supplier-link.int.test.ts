import { ALL_SCOPES, PATHS, client, readRawMessages, startBatchesStack, waitFor } from './batches-stack';
import type { Stack } from './batches-stack';

// A product may arrive before its supplier: it is accepted as PENDING and becomes SYNCED by itself
// once suppliers-service publishes that supplier, whichever process restarted in between. Two
// replicas of batches-service share the work (the edge alternates, the consumer group splits topics).

jest.setTimeout(120_000);

let stack: Stack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startBatchesStack('e2e_batches_supplier_link', { replicas: 2 });
  api = client(stack, await stack.issueToken(await stack.admin('org_link'), ALL_SCOPES));
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

const statusOf = async (externalId: string) =>
  (await api.get(`${PATHS.products}/${externalId}`)).body?.['syncStatus'];

describe('a product pushed before its supplier', () => {
  it('is PENDING, then SYNCED once the supplier arrives, with a product.updated event', async () => {
    const pushed = await api.post(PATHS.products, {
      products: [
        { externalId: 'PRD-EARLY', name: 'Coffee', hsCode: '0901', supplierExternalId: 'SUP-LATE' },
        { externalId: 'PRD-NONE', name: 'Soy' },
      ],
    });
    expect(pushed.body).toMatchObject({ success: true, created: 2 });
    expect(await statusOf('PRD-EARLY')).toBe('PENDING');
    expect(await statusOf('PRD-NONE')).toBe('SYNCED');
    const pending = await api.get(`${PATHS.syncStatus}?entityType=PRODUCT&externalIds=PRD-EARLY`);
    expect(pending.body?.['entities']).toEqual([expect.objectContaining({ syncStatus: 'PENDING' })]);

    await api.post(PATHS.suppliers, {
      suppliers: [{ externalId: 'SUP-LATE', name: 'Late Farm', country: 'CO' }],
    });
    await waitFor(async () => (await statusOf('PRD-EARLY')) === 'SYNCED', {
      timeoutMs: 20_000,
      message: 'PRD-EARLY to become SYNCED',
    });

    await waitFor(
      async () => {
        const messages = await readRawMessages(stack.kafkaBrokers, [`${stack.scope.topicPrefix}products`]);
        return messages.some((m) => {
          const value = JSON.parse(m.value ?? '{}') as {
            type?: string;
            data?: { externalId?: string; syncStatus?: string };
          };
          return value.data?.externalId === 'PRD-EARLY' && value.data.syncStatus === 'SYNCED';
        });
      },
      { timeoutMs: 20_000, message: 'the event of PRD-EARLY becoming SYNCED' },
    );
  });

  it('becomes SYNCED when batches-service restarted between the product and the supplier', async () => {
    await api.post(PATHS.products, {
      products: [{ externalId: 'PRD-RESTART', name: 'Rubber', supplierExternalId: 'SUP-AFTER-RESTART' }],
    });
    expect(await statusOf('PRD-RESTART')).toBe('PENDING');

    const replicas = stack.replicas['batches-service'] ?? [];
    expect(replicas).toHaveLength(2);
    for (const replica of replicas) await replica.stop();
    // The supplier event is published while every replica of batches-service is down.
    const supplier = await api.post(PATHS.suppliers, {
      suppliers: [{ externalId: 'SUP-AFTER-RESTART', name: 'Rubber Estate', country: 'MY' }],
    });
    expect(supplier.status).toBe(200);
    await Promise.all(replicas.map((replica) => replica.restart()));

    await waitFor(async () => (await statusOf('PRD-RESTART')) === 'SYNCED', {
      timeoutMs: 30_000,
      message: 'PRD-RESTART to become SYNCED after the restart',
    });
    const dds = await api.post(PATHS.batches, {
      batches: [{ externalId: 'B-R', productExternalId: 'PRD-RESTART', batchNumber: 'L-R' }],
    });
    expect(dds.body).toMatchObject({ created: 1 });
    const view = await api.get(`${PATHS.dds}/B-R`);
    expect(view.body).toMatchObject({
      supplier: { name: 'Rubber Estate', country: 'MY' },
      ddsNumber: null,
      ddsStatus: null,
      ddsSubmissions: [],
    });
  });

  it('is SYNCED at once when its supplier is already known', async () => {
    const pushed = await api.post(PATHS.products, {
      products: [{ externalId: 'PRD-KNOWN', name: 'Palm oil', supplierExternalId: 'SUP-LATE' }],
    });
    expect(pushed.body).toMatchObject({ created: 1 });
    expect(await statusOf('PRD-KNOWN')).toBe('SYNCED');
  });
});
