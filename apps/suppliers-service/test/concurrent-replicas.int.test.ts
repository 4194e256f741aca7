import { createRecordStore } from '@eudr/records';
import type { RecordUpsert } from '@eudr/records';
import { mongo } from 'mongoose';
import type { Connection } from 'mongoose';
import { waitFor } from '@eudr/testkit';
import { supplierModel } from '../src/suppliers/supplier.model';
import type { SupplierDocument } from '../src/suppliers/supplier.model';
import type { BulkUpsertResponse, SupplierEntity } from '../src/suppliers/suppliers.schemas';
import { READ, SUPPLIERS_URL_PATH, WRITE, startHarness } from './helpers/suppliers-harness';
import type { Harness, ObservedEvent, Replica } from './helpers/suppliers-harness';

jest.setTimeout(180_000);

let harness: Harness;
let replica: Replica;
let token: string;
let observer: { events: ObservedEvent[]; stop(): Promise<void> };

beforeAll(async () => {
  harness = await startHarness('suppliers-replicas', {
    // No relay after the one at start: every event below must come from the requests themselves.
    env: { RELAY_INTERVAL_MS: '3600000', RELAY_MIN_AGE_MS: '3600000' },
  });
  token = await harness.issueToken('org_replicas', [READ, WRITE]);
  replica = await harness.startReplica();
  // The replica reads the token from the auth topics on its own.
  await waitFor(
    async () => (await replica.request('GET', `${SUPPLIERS_URL_PATH}?limit=1`, { token })).status === 200,
    { timeoutMs: 15_000, message: 'the second replica to accept the token' },
  );
  observer = await harness.observeEvents();
});

afterAll(async () => {
  await observer?.stop();
  await harness?.close();
});

const SUPPLIERS = 100;
const ROUNDS = 4;
const externalIds = Array.from({ length: SUPPLIERS }, (_, i) => `replica-${String(i).padStart(3, '0')}`);

describe('two replicas upserting the same suppliers at once', () => {
  it('leave one document per externalId and lose no field and no write of either', async () => {
    // Each round, replica A sets `city` and replica B sets `phone` of the same suppliers at the same
    // time (B in reverse order), so every supplier is written by both while the other writes it too.
    for (let round = 0; round < ROUNDS; round += 1) {
      const [a, b] = await Promise.all([
        harness.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
          token,
          body: { suppliers: externalIds.map((id) => ({ externalId: id, name: id, city: `A-${round}` })) },
        }),
        replica.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
          token,
          body: {
            suppliers: [...externalIds]
              .reverse()
              .map((id) => ({ externalId: id, name: id, phone: `B-${round}` })),
          },
        }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([a.body.errors, b.body.errors]).toEqual([[], []]);
      expect(a.body.created + b.body.created).toBe(round === 0 ? SUPPLIERS : 0);
      expect(a.body.updated + b.body.updated).toBe(round === 0 ? SUPPLIERS : 2 * SUPPLIERS);
      const idsOfB = new Map(b.body.records.map((record) => [record.externalId, record.internalId]));
      for (const record of a.body.records) expect(idsOfB.get(record.externalId)).toBe(record.internalId);
    }

    const db = await harness.db();
    const stored = await db
      .collection<SupplierDocument>('suppliers')
      .find({ orgId: 'org_replicas', externalId: { $in: externalIds } })
      .toArray();
    expect(stored).toHaveLength(SUPPLIERS);
    const last = ROUNDS - 1;
    for (const doc of stored) {
      expect(doc).toMatchObject({ city: `A-${last}`, phone: `B-${last}`, version: 2 * ROUNDS });
      expect(doc._id).toMatch(/^sup_[0-9a-f]{24}$/);
    }
    const viaB = await replica.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/replica-042`, { token });
    expect(viaB.body).toMatchObject({ city: `A-${last}`, phone: `B-${last}` });

    // The last writer of each supplier read it back after every other write, so its state with both
    // replicas' fields was published and every outbox document deleted, without a relay.
    await waitFor(async () => (await db.collection('outbox').countDocuments({})) === 0, {
      timeoutMs: 30_000,
      message: 'every outbox document to be published and deleted by the requests',
    });
    await waitFor(
      () =>
        externalIds.every((id) =>
          observer.events.some((event) => {
            const data = event.value.data as Partial<SupplierEntity>;
            return data.externalId === id && data.city === `A-${last}` && data.phone === `B-${last}`;
          }),
        ),
      { timeoutMs: 30_000, message: "an event with both replicas' last fields for every supplier" },
    );
  });

  it('retries once an upsert refused with a duplicate key, as an update of the document that won', async () => {
    // On MongoDB two replicas inserting the same new externalId at once can both miss the match; the
    // unique index then refuses one with E11000. The server cannot be made to interleave so, so the
    // first bulkWrite of the record store plays it: another replica inserts `dup-1` first, and this
    // command's upsert of it is made to miss that document, so that it inserts and is refused.
    const connection: Connection = await harness.db();
    const repository = createRecordStore(supplierModel(connection));
    const collection = connection.collection<SupplierDocument>('suppliers');
    const bulkWrite = collection.bulkWrite.bind(collection);
    const spy = jest.spyOn(collection, 'bulkWrite').mockImplementationOnce(async (operations, options) => {
      await collection.insertOne({
        _id: 'sup_winner00000000000000000',
        orgId: 'org_replicas',
        externalId: 'dup-1',
        name: 'Winner',
        city: 'Winner city',
        version: 1,
        writeId: new mongo.ObjectId(),
      } as Partial<SupplierDocument> as SupplierDocument);
      return bulkWrite(
        operations.map((operation, i) =>
          i === 1 && 'updateOne' in operation
            ? {
                updateOne: {
                  ...operation.updateOne,
                  filter: { ...operation.updateOne.filter, writeId: { $exists: false } },
                },
              }
            : operation,
        ),
        options,
      );
    });

    const write = (externalId: string): RecordUpsert<SupplierDocument> => ({
      externalId,
      set: {
        name: `Loser ${externalId}`,
        lastSyncedAt: new Date(),
        updatedAt: new Date(),
        writeId: new mongo.ObjectId(),
      },
      setOnInsert: { _id: `sup_${externalId.replace(/\W/g, '').padEnd(24, '0')}`, createdAt: new Date() },
    });
    const results = await repository.upsert('org_replicas', ['dup-0', 'dup-1', 'dup-2'].map(write));
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();

    expect(results.map((result) => result.status)).toEqual(['CREATED', 'UPDATED', 'CREATED']);
    expect(await repository.findOne('org_replicas', 'dup-1')).toMatchObject({
      _id: 'sup_winner00000000000000000',
      name: 'Loser dup-1',
      city: 'Winner city',
      version: 2,
    });
    expect(await collection.countDocuments({ orgId: 'org_replicas', externalId: /^dup-/ })).toBe(3);
  });
});
