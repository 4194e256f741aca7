import { randomUUID } from 'node:crypto';
import { waitFor } from '@eudr/testkit';
import { READ, SUPPLIERS_URL_PATH, WRITE, fullSupplier, startHarness } from './helpers/suppliers-harness';
import type { Harness, ObservedEvent } from './helpers/suppliers-harness';

jest.setTimeout(120_000);

let harness: Harness;
let observer: { events: ObservedEvent[]; stop(): Promise<void> };

beforeAll(async () => {
  harness = await startHarness('suppliers-legacy');
  observer = await harness.observeEvents();
});

afterAll(async () => {
  await observer?.stop();
  await harness?.close();
});

const longAgo = new Date(Date.now() - 60_000);

/** A supplier as the version before the outbox stored it, owing `pendingEvent` unless it is null. */
function legacySupplier(
  orgId: string,
  externalId: string,
  version: number,
  pending: { id: string; correlationId: string; createEventId: string | null } | null,
) {
  const optional = ['code', 'address', 'city', 'state', 'postalCode', 'contactPerson', 'email', 'phone'];
  return {
    _id: `sup_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    orgId,
    externalId,
    name: `Supplier ${externalId}`,
    country: 'BR',
    ...Object.fromEntries(optional.map((field) => [field, null])),
    website: null,
    taxId: null,
    certifications: null,
    isEuOrigin: null,
    integrationId: 'int_legacy',
    syncStatus: 'SYNCED',
    lastSyncedAt: longAgo,
    version,
    pendingEvent:
      pending === null
        ? null
        : {
            id: pending.id,
            occurredAt: longAgo,
            correlationId: pending.correlationId,
            integrationId: 'int_legacy',
          },
    createEventId: pending?.createEventId ?? null,
    createdAt: longAgo,
    updatedAt: longAgo,
  };
}

/** A sync log as the version before the outbox stored it, owing its event. */
function legacySyncLog(orgId: string, eventId: string, correlationId: string) {
  return {
    _id: `syn_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    orgId,
    integrationId: 'int_legacy',
    entityType: 'SUPPLIER',
    status: 'SUCCESS',
    created: 1,
    updated: 1,
    failed: 0,
    correlationId,
    pendingEvent: { id: eventId, type: 'sync.completed', occurredAt: longAgo },
    createdAt: longAgo,
  };
}

/** Stores what the version before the outbox left of one upsert whose events it never published. */
async function writeLegacyUpsert(orgId: string, correlationId: string) {
  const ids = { created: randomUUID(), updated: randomUUID(), sync: randomUUID() };
  const db = await harness.db();
  await db
    .collection<{ _id: string }>('suppliers')
    .insertMany([
      legacySupplier(orgId, 'legacy-new', 1, { id: ids.created, correlationId, createEventId: ids.created }),
      legacySupplier(orgId, 'legacy-changed', 3, { id: ids.updated, correlationId, createEventId: null }),
      legacySupplier(orgId, 'legacy-published', 2, null),
    ]);
  await db.collection<{ _id: string }>('sync_logs').insertOne(legacySyncLog(orgId, ids.sync, correlationId));
  return ids;
}

async function marksLeft(orgId: string): Promise<number> {
  const db = await harness.db();
  const marked = { orgId, $or: [{ 'pendingEvent.id': { $exists: true } }, { createEventId: { $ne: null } }] };
  return (
    (await db.collection('suppliers').countDocuments(marked)) +
    (await db.collection('sync_logs').countDocuments({ orgId, 'pendingEvent.id': { $exists: true } }))
  );
}

const legacyEventsOf = (correlationId: string) =>
  observer.events.filter((event) => event.value.correlationId === correlationId);

describe('events owed by documents of the version before the outbox', () => {
  it('are published once at start, with their ids, and the marks removed', async () => {
    const ids = await writeLegacyUpsert('org_legacy', 'req-legacy');

    await harness.restartService();

    const published = await waitFor(
      () => (legacyEventsOf('req-legacy').length >= 3 ? legacyEventsOf('req-legacy') : null),
      { message: 'the events owed before the outbox to be published' },
    );
    expect(published.map((event) => [event.value.id, event.value.type, event.key]).sort()).toEqual(
      [
        [ids.created, 'supplier.created', 'org_legacy:legacy-new'],
        [ids.updated, 'supplier.updated', 'org_legacy:legacy-changed'],
        [ids.sync, 'sync.completed', expect.any(String)],
      ].sort(),
    );
    expect(published.find((event) => event.value.id === ids.created)).toMatchObject({
      correlationHeader: 'req-legacy',
      value: {
        orgId: 'org_legacy',
        integrationId: 'int_legacy',
        source: 'suppliers-service',
        occurredAt: longAgo.toISOString(),
        data: { externalId: 'legacy-new', name: 'Supplier legacy-new', country: 'BR', syncStatus: 'SYNCED' },
      },
    });
    expect(await marksLeft('org_legacy')).toBe(0);
    expect(await harness.service.legacyEvents.runOnce()).toBe(0);

    // A later change of the same supplier goes to the same partition: once it is read, nothing of the
    // start's publication can still be on its way.
    const token = await harness.issueToken('org_legacy', [READ, WRITE]);
    await harness.request('POST', SUPPLIERS_URL_PATH, {
      token,
      body: { suppliers: [fullSupplier('legacy-new')] },
      headers: { 'x-request-id': 'req-after-upgrade' },
    });
    await waitFor(() => legacyEventsOf('req-after-upgrade').length >= 2, {
      message: 'the later change to be published',
    });
    expect(legacyEventsOf('req-legacy')).toHaveLength(3);
  });

  it('are published with the same ids when two replicas start at once', async () => {
    const ids = await writeLegacyUpsert('org_legacy_2', 'req-legacy-2');

    await Promise.all([harness.restartService(), harness.startReplica()]);

    await waitFor(
      () => Object.values(ids).every((id) => legacyEventsOf('req-legacy-2').some((e) => e.value.id === id)),
      { message: 'the events owed before the outbox to be published' },
    );
    expect(await marksLeft('org_legacy_2')).toBe(0);
    // Either replica may have published an event; a consumer deduplicating on the id sees each once.
    expect(new Set(legacyEventsOf('req-legacy-2').map((event) => event.value.id))).toEqual(
      new Set(Object.values(ids)),
    );
  });
});
