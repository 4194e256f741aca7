import type { OutboxDocument } from '@eudr/events';
import { mongo } from 'mongoose';
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

describe('the event relay', () => {
  it('publishes what a replica wrote but never published (a crash between write and publish), and only that', async () => {
    const response = await harness.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers: ['relay-1', 'relay-2', 'relay-3'].map((id) => fullSupplier(id)) },
      headers: { 'x-request-id': 'req-relay-written' },
    });
    expect(response.body.created).toBe(3);
    const db = await harness.db();
    const outbox = db.collection<OutboxDocument>('outbox');
    await waitFor(async () => (await outbox.countDocuments({})) === 0, {
      message: 'the upsert to delete its outbox document after the broker acknowledged',
    });

    // What an upsert leaves behind when the process dies after its record writes and before storing
    // its events: its outbox document still `writing`, and the records and sync log carrying its id.
    const longAgo = new Date(Date.now() - 60_000);
    const crashed = new mongo.ObjectId();
    await outbox.insertOne({
      _id: crashed,
      writing: true,
      groups: [],
      createdAt: longAgo,
      correlationId: 'req-crashed',
    });
    await db.collection('suppliers').updateOne(
      { externalId: 'relay-1' },
      {
        $set: {
          name: 'Changed before the crash',
          writeId: crashed,
          integrationId: 'int_crashed',
          updatedAt: longAgo,
        },
        $inc: { version: 1 },
      },
    );
    await db
      .collection('suppliers')
      .updateOne({ externalId: 'relay-2' }, { $set: { writeId: crashed }, $inc: { version: 1 } });
    // A write younger than RELAY_MIN_AGE_MS belongs to a request that may still be running.
    const young = new mongo.ObjectId();
    await outbox.insertOne({
      _id: young,
      writing: true,
      groups: [],
      createdAt: new Date(),
      correlationId: 'req-young',
    });
    await db.collection('suppliers').updateOne({ externalId: 'relay-3' }, { $set: { writeId: young } });
    const syncLog = await db.collection('sync_logs').findOne({ correlationId: 'req-relay-written' });
    expect(syncLog).not.toBeNull();
    await db.collection('sync_logs').insertOne({
      ...syncLog,
      _id: 'syn_crashed0000000000000000' as never,
      correlationId: 'req-crashed',
      writeId: crashed,
    });

    await harness.service.events.runRelayOnce();

    const published = await waitFor(
      () => {
        const found = observer.events.filter((event) => event.value.correlationId === 'req-crashed');
        return found.length >= 3 ? found : null;
      },
      { message: 'the relay to publish the owed events' },
    );
    const externalIdOf = (event: ObservedEvent) => (event.value.data as { externalId?: string }).externalId;
    expect(published.map((event) => [event.value.type, externalIdOf(event) ?? null]).sort()).toEqual([
      ['supplier.updated', 'relay-1'],
      ['supplier.updated', 'relay-2'],
      ['sync.completed', null],
    ]);
    const relay1 = published.find((event) => externalIdOf(event) === 'relay-1');
    expect(relay1?.value).toMatchObject({
      type: 'supplier.updated',
      orgId: 'org_relay',
      integrationId: 'int_crashed',
      occurredAt: longAgo.toISOString(),
      data: { externalId: 'relay-1', name: 'Changed before the crash', country: 'BR' },
    });
    expect(relay1?.key).toBe('org_relay:relay-1');
    expect(relay1?.correlationHeader).toBe('req-crashed');
    expect(published.find((event) => event.value.type === 'sync.completed')?.value).toMatchObject({
      type: 'sync.completed',
      data: { syncLogId: 'syn_crashed0000000000000000', created: 3, status: 'SUCCESS' },
    });

    expect(await outbox.countDocuments({ _id: crashed })).toBe(0);
    expect(await outbox.countDocuments({ _id: young })).toBe(1);
    expect(observer.events.some((event) => event.value.correlationId === 'req-young')).toBe(false);
  });
});
