import type { OutboxDocument } from '@eudr/events';
import { startPrivateKafka, waitFor } from '@eudr/testkit';
import type { PrivateServer } from '@eudr/testkit';
import type { BulkUpsertResponse } from '../src/suppliers/suppliers.schemas';
import { READ, SUPPLIERS_URL_PATH, WRITE, fullSupplier, startHarness } from './helpers/suppliers-harness';
import type { Harness, ObservedEvent } from './helpers/suppliers-harness';

// Starts, stops and restarts a broker of its own: slow, and kept apart so a failure reads clearly.
jest.setTimeout(240_000);

let broker: PrivateServer | undefined;
let harness: Harness | undefined;
let token: string;

beforeAll(async () => {
  broker = await startPrivateKafka();
  harness = await startHarness('suppliers-outage', {
    kafkaBrokers: broker.brokers,
    env: {
      // The token projection must stay trusted through the outage: this suite is about the events.
      AUTH_MAX_STALENESS_MS: '3600000',
      PUBLISH_TIMEOUT_MS: '300',
      RELAY_INTERVAL_MS: '500',
      RELAY_MIN_AGE_MS: '1000',
    },
  });
  token = await harness.issueToken('org_outage', [READ, WRITE]);
});

afterAll(async () => {
  await harness?.close();
  await broker?.destroy();
});

function uniqueEvents(events: readonly ObservedEvent[], requestId: string): ObservedEvent[] {
  const byId = new Map<string, ObservedEvent>();
  for (const event of events) {
    if (event.value.correlationId === requestId) byId.set(event.value.id, event);
  }
  return [...byId.values()];
}

describe('with the broker down', () => {
  it('acknowledges upserts at once and publishes every one of their events once the broker is back', async () => {
    const h = harness as Harness;
    const kafka = broker as PrivateServer;
    await kafka.stop();

    const suppliers = Array.from({ length: 20 }, (_, i) => fullSupplier(`outage-${i}`));
    const started = Date.now();
    const created = await h.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers },
      headers: { 'x-request-id': 'req-outage-create' },
    });
    const updated = await h.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
      token,
      body: {
        suppliers: [{ externalId: 'outage-0', name: 'Renamed during the outage' }, { externalId: 'bad' }],
      },
      headers: { 'x-request-id': 'req-outage-update' },
    });
    const elapsedMs = Date.now() - started;
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ success: true, created: 20, updated: 0 });
    expect(updated.body).toMatchObject({ success: true, created: 0, updated: 1 });
    // Bounded by PUBLISH_TIMEOUT_MS per request plus the database writes, not by Kafka's retries.
    expect(elapsedMs).toBeLessThan(15_000);

    // Acknowledged, so durable: every event is in the outbox while the broker is away, one document
    // per upsert, supplier events before the sync event.
    const db = await h.db();
    const stored = await db.collection<OutboxDocument>('outbox').find({}).sort({ createdAt: 1 }).toArray();
    expect(stored.map((doc) => doc.groups.map((group) => [group.topic, group.events.length]))).toEqual([
      [
        ['suppliers', 20],
        ['sync', 1],
      ],
      [
        ['suppliers', 1],
        ['sync', 1],
      ],
    ]);

    await kafka.start();
    const observer = await h.observeEvents();
    const outageEvents = () => [
      ...uniqueEvents(observer.events, 'req-outage-create'),
      ...uniqueEvents(observer.events, 'req-outage-update'),
    ];
    const externalIdOf = (event: ObservedEvent) => (event.value.data as { externalId: string }).externalId;
    await waitFor(
      () => {
        const events = outageEvents();
        const suppliersSeen = new Set(
          events.filter((event) => event.topic === 'suppliers').map(externalIdOf),
        );
        const renamed = events.some(
          (event) =>
            event.topic === 'suppliers' &&
            (event.value.data as { name: string }).name === 'Renamed during the outage',
        );
        return (
          suppliersSeen.size === 20 &&
          renamed &&
          events.filter((event) => event.topic === 'sync').length === 2
        );
      },
      { timeoutMs: 120_000, intervalMs: 200, message: 'every event of the upserts made during the outage' },
    );

    // Each write announces what it did: every supplier's create, and then outage-0's update, which
    // carries the latest state (published after its create: same key, oldest outbox document first).
    const supplierEvents = outageEvents().filter((event) => event.topic === 'suppliers');
    expect(supplierEvents.filter((event) => event.value.type === 'supplier.created')).toHaveLength(20);
    expect(supplierEvents.filter((event) => externalIdOf(event) !== 'outage-0')).toHaveLength(19);
    const latestOutage0 = supplierEvents
      .filter((event) => externalIdOf(event) === 'outage-0')
      .sort((a, b) => a.value.occurredAt.localeCompare(b.value.occurredAt))
      .at(-1);
    expect(latestOutage0?.value.data).toMatchObject({ name: 'Renamed during the outage' });
    expect(latestOutage0?.value.correlationId).toBe('req-outage-update');

    const syncEvents = outageEvents().filter((event) => event.topic === 'sync');
    expect(syncEvents.map((event) => event.value)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'sync.completed',
          data: expect.objectContaining({ created: 20, status: 'SUCCESS' }),
        }),
        expect.objectContaining({
          type: 'sync.failed',
          data: expect.objectContaining({ updated: 1, failed: 1, status: 'PARTIAL' }),
        }),
      ]),
    );

    await waitFor(async () => (await db.collection('outbox').countDocuments({})) === 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: 'every outbox document to be published and deleted',
    });
    await observer.stop();
  });
});
