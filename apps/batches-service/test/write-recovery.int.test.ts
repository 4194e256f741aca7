import { createLogger } from '@eudr/service-kit';
import { createTestScope, readRawMessages, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createBatchesService } from '../src/batches/batches.service';
import { createDdsService } from '../src/dds/dds.service';
import type { EventOutbox } from '@eudr/events';
import { createProductsService } from '../src/products/products.service';
import { startReplica } from './replicas';
import type { Replica } from './replicas';

// A write that dies after changing its records and before storing its events (the process killed
// between the two, or the database refusing the last step): the relay of another replica finds its
// unfinished outbox document and announces what the write changed, rebuilt from the records.
jest.setTimeout(120_000);

const ORG = 'org_recovery';
const caller = { orgId: ORG, integrationId: 'int_recovery', correlationId: 'req-died' };

let scope: TestScope | undefined;
let dead: Replica;
let survivor: Replica;

/** Services of `replica` whose writes die right before storing their events. */
function dyingServices(replica: Replica) {
  const outbox: EventOutbox = {
    ...replica.outbox,
    async begin(correlationId) {
      const write = await replica.outbox.begin(correlationId);
      return {
        id: write.id,
        commit: () => Promise.reject(new Error('the process died here')),
      };
    },
  };
  const logger = createLogger({ service: 'dying', level: 'silent' });
  const { stores } = replica;
  const products = createProductsService({ ...stores, outbox, logger });
  const dds = createDdsService({ ...stores, outbox, logger });
  const batches = createBatchesService({ ...stores, dds, outbox, logger });
  return { products, dds, batches };
}

interface Seen {
  type: string;
  correlationId?: string;
  data: Record<string, unknown>;
}

async function eventsOn(topic: string): Promise<Seen[]> {
  const messages = await readRawMessages(scope?.kafkaBrokers ?? [], [`${scope?.topicPrefix ?? ''}${topic}`]);
  return messages.map((message) => JSON.parse(message.value ?? '{}') as Seen);
}

beforeAll(async () => {
  scope = await createTestScope('batches-recovery');
  dead = await startReplica(scope, 'batches-service-dead');
  survivor = await startReplica(scope, 'batches-service-survivor', { relayMinAgeMs: 0 });
});

afterAll(async () => {
  await dead?.close();
  await survivor?.close();
  await scope?.cleanup();
});

describe('a write that died before storing its events', () => {
  it('is announced by another replica’s relay from the records it changed', async () => {
    const dying = dyingServices(dead);
    await expect(
      dying.products.upsertProducts(caller, [
        { externalId: 'P-1', name: 'Cocoa', hsCode: '1801' },
        { externalId: 'P-2', name: 'Coffee', supplierExternalId: 'SUP-UNKNOWN' },
      ]),
    ).rejects.toThrow('died');
    // Its products are stored (and stay so: the client sees an error, nothing is rolled back).
    const [p1, p2] = await Promise.all([
      dead.stores.products.findOne(ORG, 'P-1'),
      dead.stores.products.findOne(ORG, 'P-2'),
    ]);
    expect(p2?.syncStatus).toBe('PENDING');

    await dead.batches.upsertBatches(
      { ...caller, correlationId: 'req-ok' },
      [{ externalId: 'B-1', productExternalId: 'P-1', batchNumber: 'L-1' }],
      { autoCreateDDS: true },
    );
    const ddsNumber = (await dead.stores.dds.findByBatch(ORG, 'B-1'))?.ddsNumber ?? '';
    await expect(
      dying.dds.changeStatus(ORG, ddsNumber, 'SUBMITTED', {
        adminSub: 'admin_1',
        correlationId: 'req-died-dds',
      }),
    ).rejects.toThrow('died');
    await expect(
      dying.batches.upsertBatches(
        { ...caller, correlationId: 'req-died-batch' },
        [{ externalId: 'B-2', productExternalId: 'P-1', batchNumber: 'L-2' }],
        { autoCreateDDS: true },
      ),
    ).rejects.toThrow('died');
    expect(await survivor.stores.outbox.count()).toBeGreaterThanOrEqual(3);

    await survivor.outbox.runRelayOnce();
    await waitFor(async () => (await survivor.stores.outbox.count()) === 0, {
      timeoutMs: 20_000,
      message: 'the outbox to empty',
    });

    const products = (await eventsOn('products')).filter((event) => event.correlationId === 'req-died');
    expect(
      products.map((event) => [event.type, event.data['externalId'], event.data['internalId']]).sort(),
    ).toEqual([
      ['product.created', 'P-1', p1?._id],
      ['product.created', 'P-2', p2?._id],
    ]);
    const sync = await eventsOn('sync');
    expect(sync.filter((event) => event.correlationId === 'req-died')).toEqual([
      expect.objectContaining({
        type: 'sync.completed',
        data: expect.objectContaining({ entityType: 'PRODUCT', created: 2, updated: 0, failed: 0 }),
      }),
    ]);
    const batches = (await eventsOn('batches')).filter((event) => event.correlationId === 'req-died-batch');
    expect(batches.map((event) => [event.type, event.data['externalId']])).toEqual([
      ['batch.created', 'B-2'],
    ]);

    const dds = await eventsOn('dds');
    const change = (correlationId: string) =>
      dds
        .filter((event) => event.correlationId === correlationId)
        .map((event) => [event.type, event.data['previousStatus'], event.data['status']]);
    expect(change('req-died-dds').sort()).toEqual([
      ['dds.status_changed', 'DRAFT', 'SUBMITTED'],
      ['dds.submitted', 'DRAFT', 'SUBMITTED'],
    ]);
    expect(change('req-died-batch')).toEqual([['dds.status_changed', null, 'DRAFT']]);
  });

  it('leaves nothing to announce when it died before changing anything', async () => {
    await dead.outbox.begin('req-died-early');
    await survivor.outbox.runRelayOnce();
    expect(await survivor.stores.outbox.count()).toBe(0);
  });
});
