import { randomUUID } from 'node:crypto';
import { waitFor } from '@eudr/testkit';
import type { BulkUpsertResponse } from '../src/suppliers/suppliers.schemas';
import { READ, SUPPLIERS_URL_PATH, WRITE, fullSupplier, startHarness } from './helpers/suppliers-harness';
import type { Harness, ObservedEvent } from './helpers/suppliers-harness';

jest.setTimeout(120_000);

let harness: Harness;
let token: string;
let observer: { events: ObservedEvent[]; stop(): Promise<void> };

beforeAll(async () => {
  harness = await startHarness('suppliers-relay', {
    // Only the explicit runs below (and the one at start) may publish.
    env: { RELAY_INTERVAL_MS: '3600000', RELAY_MIN_AGE_MS: '5000' },
  });
  token = await harness.issueToken('org_relay', [READ, WRITE]);
  observer = await harness.observeEvents();
});

afterAll(async () => {
  await observer?.stop();
  await harness?.close();
});

const PENDING = { 'pendingEvent.occurredAt': { $type: 'date' } };

describe('the event relay', () => {
  it('publishes what a replica wrote but never published (a crash between write and publish), and only that', async () => {
    const response = await harness.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers: ['relay-1', 'relay-2', 'relay-3'].map((id) => fullSupplier(id)) },
      headers: { 'x-request-id': 'req-relay-written' },
    });
    expect(response.body.created).toBe(3);
    const db = await harness.db();
    await waitFor(async () => (await db.collection('suppliers').countDocuments(PENDING)) === 0, {
      message: 'the upsert to clear its marks after the broker acknowledged',
    });

    // What an upsert leaves behind when the process dies after its writes: changed documents and a
    // sync log, each holding the event it still owes.
    const longAgo = new Date(Date.now() - 60_000);
    const owed = { relay1: randomUUID(), relay2: randomUUID(), sync: randomUUID() };
    const pendingOf = (id: string, occurredAt: Date) => ({
      id,
      type: 'supplier.updated',
      occurredAt,
      correlationId: 'req-crashed',
      integrationId: 'int_crashed',
    });
    await db
      .collection('suppliers')
      .updateOne(
        { externalId: 'relay-1' },
        { $set: { name: 'Changed before the crash', pendingEvent: pendingOf(owed.relay1, longAgo) } },
      );
    await db
      .collection('suppliers')
      .updateOne({ externalId: 'relay-2' }, { $set: { pendingEvent: pendingOf(owed.relay2, longAgo) } });
    // A mark younger than RELAY_MIN_AGE_MS belongs to a request that may still be publishing it.
    const young = randomUUID();
    await db
      .collection('suppliers')
      .updateOne({ externalId: 'relay-3' }, { $set: { pendingEvent: pendingOf(young, new Date()) } });
    const syncLog = await db.collection('sync_logs').findOne({ correlationId: 'req-relay-written' });
    expect(syncLog).not.toBeNull();
    await db.collection('sync_logs').insertOne({
      ...syncLog,
      _id: 'syn_crashed0000000000000000' as never,
      correlationId: 'req-crashed',
      pendingEvent: { id: owed.sync, type: 'sync.completed', occurredAt: longAgo },
    });

    await harness.service.events.runRelayOnce();

    const published = await waitFor(
      () => {
        const found = observer.events.filter((event) => event.value.correlationId === 'req-crashed');
        return found.length >= 3 ? found : null;
      },
      { message: 'the relay to publish the owed events' },
    );
    expect(published.map((event) => event.value.id).sort()).toEqual(
      [owed.relay1, owed.relay2, owed.sync].sort(),
    );
    const relay1 = published.find((event) => event.value.id === owed.relay1);
    expect(relay1?.value).toMatchObject({
      type: 'supplier.updated',
      orgId: 'org_relay',
      integrationId: 'int_crashed',
      occurredAt: longAgo.toISOString(),
      data: { externalId: 'relay-1', name: 'Changed before the crash', country: 'BR' },
    });
    expect(relay1?.key).toBe('org_relay:relay-1');
    expect(relay1?.correlationHeader).toBe('req-crashed');
    expect(published.find((event) => event.value.id === owed.sync)?.value).toMatchObject({
      type: 'sync.completed',
      data: { syncLogId: 'syn_crashed0000000000000000', created: 3, status: 'SUCCESS' },
    });

    expect(
      await db
        .collection('suppliers')
        .countDocuments({ 'pendingEvent.id': { $in: [owed.relay1, owed.relay2] } }),
    ).toBe(0);
    expect(await db.collection('sync_logs').countDocuments(PENDING)).toBe(0);
    expect(await db.collection('suppliers').countDocuments({ 'pendingEvent.id': young })).toBe(1);
    expect(observer.events.some((event) => event.value.id === young)).toBe(false);
  });
});
