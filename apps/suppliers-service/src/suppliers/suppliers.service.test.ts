import type { EventOutbox, OutboxGroup } from '@eudr/events';
import type { RecordStore } from '@eudr/records';
import { createLogger } from '@eudr/service-kit';
import { mongo } from 'mongoose';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import type { SupplierEvent, SyncEvent } from './supplier-events';
import type { SupplierDocument } from './supplier.model';
import { createSuppliersService } from './suppliers.service';

/** An in-memory record store; `beforeWrite` lets a test slip in a concurrent request's insert. */
function memoryStore() {
  const docs = new Map<string, SupplierDocument>();
  const key = (orgId: string, externalId: string) => `${orgId}\u0000${externalId}`;
  let beforeWrite: (() => void) | undefined;
  const store: RecordStore<SupplierDocument> = {
    async findOne(orgId, externalId) {
      return structuredClone(docs.get(key(orgId, externalId)) ?? null);
    },
    async findMany(orgId, externalIds) {
      return externalIds.flatMap((id) => structuredClone(docs.get(key(orgId, id)) ?? []));
    },
    // What the bulkWrite of upserts does: $set, $inc the version, and the insert-only fields when new.
    async upsert(orgId, upserts) {
      beforeWrite?.();
      beforeWrite = undefined;
      return upserts.map(({ externalId, set, setOnInsert }) => {
        const existing = docs.get(key(orgId, externalId));
        const base = existing ?? ({ ...setOnInsert, orgId, externalId, version: 0 } as SupplierDocument);
        docs.set(key(orgId, externalId), { ...base, ...set, version: base.version + 1 });
        return { status: existing === undefined ? 'CREATED' : 'UPDATED' };
      });
    },
    async list() {
      return { items: [], total: 0 };
    },
    async count() {
      return docs.size;
    },
    async findByWrite() {
      return [];
    },
  };
  return {
    store,
    docs,
    onNextWrite(fn: () => void) {
      beforeWrite = fn;
    },
  };
}

function setup() {
  const store = memoryStore();
  const syncLogs: SyncLogDocument[] = [];
  const published: { suppliers: SupplierEvent[]; sync: SyncEvent }[] = [];
  const writeIds: mongo.ObjectId[] = [];
  const syncLogsRepository: SyncLogsRepository = {
    async insert(log) {
      syncLogs.push(log);
    },
    async findByWrite() {
      return [];
    },
  };
  // Keeps what each write commits, as the outbox document would.
  const outbox: Pick<EventOutbox, 'begin'> = {
    async begin() {
      const id = new mongo.ObjectId();
      writeIds.push(id);
      return {
        id,
        async commit(groups: readonly OutboxGroup[]) {
          const [suppliers, sync] = groups.map((group) => group.events);
          published.push({
            suppliers: (suppliers ?? []) as SupplierEvent[],
            sync: sync?.[0] as SyncEvent,
          });
          return true;
        },
      };
    },
  };
  const service = createSuppliersService({
    suppliers: store.store,
    syncLogs: syncLogsRepository,
    outbox: outbox as EventOutbox,
    logger: createLogger({ service: 'test', level: 'silent' }),
    now: () => new Date('2025-06-01T10:00:00.000Z'),
  });
  return { service, store, syncLogs, published, writeIds };
}

const caller = { orgId: 'org_1', integrationId: 'int_1', correlationId: 'req-1' };

describe('upsertSuppliers: created or updated', () => {
  it('reports an update when a concurrent request created the same externalId just before the write', async () => {
    const { service, store, published, writeIds } = setup();
    store.onNextWrite(() => {
      store.docs.set('org_1\u0000race', {
        _id: 'sup_winner',
        orgId: 'org_1',
        externalId: 'race',
        name: 'Winner',
        code: null,
        country: 'DE',
        address: null,
        city: null,
        state: null,
        postalCode: null,
        contactPerson: null,
        email: null,
        phone: null,
        website: null,
        taxId: null,
        certifications: null,
        isEuOrigin: null,
        integrationId: 'int_other',
        syncStatus: 'SYNCED',
        lastSyncedAt: new Date('2025-06-01T09:59:59.000Z'),
        version: 1,
        writeId: new mongo.ObjectId(),
        createdAt: new Date('2025-06-01T09:59:59.000Z'),
        updatedAt: new Date('2025-06-01T09:59:59.000Z'),
      });
    });
    const result = await service.upsertSuppliers(caller, [
      { externalId: 'race', name: 'Loser' },
      { externalId: 'fresh', name: 'Fresh' },
    ]);
    expect(result).toMatchObject({ success: true, created: 1, updated: 1, errors: [] });
    expect(result.records[0]).toEqual({ externalId: 'race', internalId: 'sup_winner', status: 'UPDATED' });
    expect(store.docs.get('org_1\u0000race')).toMatchObject({ name: 'Loser', country: 'DE', version: 2 });
    const events = published[0]?.suppliers ?? [];
    expect(events.map((event) => [event.type, event.data.externalId])).toEqual([
      ['supplier.updated', 'race'],
      ['supplier.created', 'fresh'],
    ]);
    expect(store.docs.get('org_1\u0000race')?.writeId).toBe(writeIds[0]);
  });

  it('announces a supplier as created by the write that inserted it and updated by every later one', async () => {
    const { service, published } = setup();
    await service.upsertSuppliers(caller, [{ externalId: 'S', name: 'First' }]);
    const second = await service.upsertSuppliers(caller, [{ externalId: 'S', name: 'Second' }]);
    expect(second.records[0]?.status).toBe('UPDATED');
    expect(published[0]?.suppliers[0]).toMatchObject({ type: 'supplier.created', data: { name: 'First' } });
    expect(published[1]?.suppliers[0]).toMatchObject({ type: 'supplier.updated', data: { name: 'Second' } });
  });
});

describe('upsertSuppliers: the answer and the sync event', () => {
  it('answers success false, with sync.failed and status ERROR, only when every record failed', async () => {
    const { service, syncLogs, published, writeIds } = setup();
    const allBad = await service.upsertSuppliers(caller, [{ externalId: 'A' }, null]);
    expect(allBad).toEqual({
      success: false,
      created: 0,
      updated: 0,
      errors: [
        { externalId: 'A', error: 'name: is required' },
        { externalId: '', error: 'record: must be a JSON object' },
      ],
      records: [
        { externalId: 'A', internalId: '', status: 'ERROR' },
        { externalId: '', internalId: '', status: 'ERROR' },
      ],
    });
    expect(published[0]?.sync).toMatchObject({ type: 'sync.failed', data: { failed: 2, status: 'ERROR' } });
    const partial = await service.upsertSuppliers(caller, [
      { externalId: 'B', name: 'B' },
      { externalId: 'B', name: 'B2' },
    ]);
    expect(partial.success).toBe(true);
    expect(partial.errors).toEqual([
      { externalId: 'B', error: expect.stringMatching(/^externalId: duplicate of record 0 /) },
    ]);
    expect(published[1]?.sync).toMatchObject({
      type: 'sync.failed',
      data: { created: 1, failed: 1, status: 'PARTIAL' },
    });
    expect(syncLogs.map((log) => log.status)).toEqual(['ERROR', 'PARTIAL']);
    expect(syncLogs[1]?.writeId).toBe(writeIds[1]);
    expect(published[1]?.sync.data.syncLogId).toBe(syncLogs[1]?._id);
  });

  it('sends sync.completed with the request id when every record was written', async () => {
    const { service, published } = setup();
    await service.upsertSuppliers(caller, [{ externalId: 'A', name: 'A' }]);
    expect(published[0]?.sync).toMatchObject({
      type: 'sync.completed',
      correlationId: 'req-1',
      orgId: 'org_1',
      integrationId: 'int_1',
      data: { entityType: 'SUPPLIER', created: 1, updated: 0, failed: 0, status: 'SUCCESS' },
    });
    expect(published[0]?.suppliers[0]).toMatchObject({
      correlationId: 'req-1',
      source: 'suppliers-service',
      data: { externalId: 'A', syncStatus: 'SYNCED', lastSyncedAt: '2025-06-01T10:00:00.000Z' },
    });
  });
});
