import { createLogger } from '@eudr/service-kit';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { supplierEventFromDocument, syncEventFromDocument } from './supplier-events.publisher';
import type { SupplierEvent, SupplierEventsPublisher, SyncEvent } from './supplier-events.publisher';
import type { SupplierDocument } from './supplier.model';
import type { SupplierWriteResult, SuppliersRepository } from './suppliers.repository';
import { OPTIONAL_SUPPLIER_FIELDS } from './suppliers.schemas';
import { createSuppliersService } from './suppliers.service';

/** An in-memory suppliers store; `beforeWrite` lets a test slip in a concurrent request's insert. */
function memoryRepository() {
  const docs = new Map<string, SupplierDocument>();
  const key = (orgId: string, externalId: string) => `${orgId}\u0000${externalId}`;
  let beforeWrite: (() => void) | undefined;
  const repository: SuppliersRepository = {
    async findByExternalId(orgId, externalId) {
      return structuredClone(docs.get(key(orgId, externalId)) ?? null);
    },
    // What the bulkWrite of upserts does: $set the changes and the mark, $inc the version, and the
    // insert-only fields when the supplier is new.
    async upsert(orgId, writes) {
      beforeWrite?.();
      beforeWrite = undefined;
      return writes.map(({ externalId, changes, pendingEvent, onInsert }): SupplierWriteResult => {
        const existing = docs.get(key(orgId, externalId));
        const base =
          existing ??
          ({
            ...Object.fromEntries(OPTIONAL_SUPPLIER_FIELDS.map((field) => [field, null])),
            ...onInsert,
            orgId,
            externalId,
            version: 0,
            createEventId: pendingEvent.id,
          } as SupplierDocument);
        const document = { ...base, ...changes, pendingEvent, version: base.version + 1 };
        docs.set(key(orgId, externalId), document);
        return {
          status: existing === undefined ? 'CREATED' : 'UPDATED',
          document: structuredClone(document),
        };
      });
    },
    async list() {
      return { items: [], total: 0 };
    },
    async clearPendingEvents(_orgId, published) {
      for (const doc of docs.values()) {
        if (published.some(({ _id, version }) => doc._id === _id && doc.version === version)) {
          doc.pendingEvent = null;
          doc.createEventId = null;
        }
      }
    },
    async findPendingEvents() {
      return [];
    },
  };
  return {
    repository,
    docs,
    onNextWrite(fn: () => void) {
      beforeWrite = fn;
    },
  };
}

function setup() {
  const store = memoryRepository();
  const syncLogs: SyncLogDocument[] = [];
  const published: { suppliers: SupplierEvent[]; sync: SyncEvent }[] = [];
  const syncLogsRepository: SyncLogsRepository = {
    async insert(log) {
      syncLogs.push(log);
    },
    async clearPendingEvent() {},
    async findPendingEvents() {
      return [];
    },
  };
  // Publishes nothing: the marks stay pending, as when the broker is away.
  const events: SupplierEventsPublisher = {
    async publish(upsert) {
      published.push({
        suppliers: upsert.suppliers.flatMap((doc) => supplierEventFromDocument(doc) ?? []),
        sync: syncEventFromDocument(upsert.syncLog) as SyncEvent,
      });
      return false;
    },
    startRelay() {},
    async runRelayOnce() {},
    async stopRelay() {},
  };
  const service = createSuppliersService({
    suppliers: store.repository,
    syncLogs: syncLogsRepository,
    events,
    logger: createLogger({ service: 'test', level: 'silent' }),
    now: () => new Date('2025-06-01T10:00:00.000Z'),
  });
  return { service, store, syncLogs, published };
}

const caller = { orgId: 'org_1', integrationId: 'int_1', correlationId: 'req-1' };

describe('upsertSuppliers', () => {
  it('reports an update when a concurrent request created the same externalId just before the write', async () => {
    const { service, store, published } = setup();
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
        pendingEvent: null,
        createEventId: null,
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
    expect(store.docs.get('org_1\u0000race')?.pendingEvent?.id).toBe(events[0]?.id);
  });

  it('keeps an unacknowledged create a create when the supplier changes again', async () => {
    const { service, published } = setup();
    await service.upsertSuppliers(caller, [{ externalId: 'S', name: 'First' }]);
    const second = await service.upsertSuppliers(caller, [{ externalId: 'S', name: 'Second' }]);
    expect(second.records[0]?.status).toBe('UPDATED');
    expect(published[1]?.suppliers[0]).toMatchObject({ type: 'supplier.created', data: { name: 'Second' } });
    // The same create, told again with the newer state: subscribers hear of one creation.
    expect(published[1]?.suppliers[0]?.id).toBe(published[0]?.suppliers[0]?.id);
  });

  it('answers success false, with sync.failed and status ERROR, only when every record failed', async () => {
    const { service, syncLogs, published } = setup();
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
    expect(syncLogs[1]?.pendingEvent?.id).toBe(published[1]?.sync.id);
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
