import { ConflictError } from '@eudr/service-kit';
import { createTestScope } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { startReplica } from './replicas';
import type { Replica } from './replicas';

// Concurrent writes as two replicas of batches-service make them against one database: DDS numbers,
// DDS status changes, upserts of the same records, and products racing the arrival of their supplier.
// Each replica has its own connection, outbox and services, so nothing in one process can serialize
// the writes: only each write being one atomic conditional update keeps them right.
jest.setTimeout(120_000);

const ORG = 'org_concurrent';
const YEAR = new Date().getUTCFullYear();

let scope: TestScope | undefined;
const replicas: Replica[] = [];

/** The replica taking the n-th write of a race: the two take turns. */
function replica(n: number): Replica {
  const chosen = replicas[n % replicas.length];
  if (chosen === undefined) throw new Error('replicas not started');
  return chosen;
}

const caller = (n: number) => ({ orgId: ORG, integrationId: `int_${n % 2}`, correlationId: `req-${n}` });

beforeAll(async () => {
  scope = await createTestScope('batches-concurrent');
  for (let n = 0; n < 2; n += 1) replicas.push(await startReplica(scope, `batches-service-${n}`));
  await replica(0).products.upsertProducts(caller(0), [
    { externalId: 'P-HS', name: 'Timber', hsCode: '4407' },
  ]);
});

afterAll(async () => {
  for (const running of replicas) await running.close();
  await scope?.cleanup();
});

describe('DDS numbers from two replicas', () => {
  it('gives 20 concurrent pushes the numbers 1 to 20, without gap or duplicate', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        replica(n).batches.upsertBatches(
          caller(n),
          [{ externalId: `PAR-${n}`, productExternalId: 'P-HS', batchNumber: `L-${n}` }],
          { autoCreateDDS: true },
        ),
      ),
    );
    const numbers = results.flatMap((result) => (result.ddsCreated ?? []).map((dds) => dds.ddsNumber));
    expect(numbers.sort()).toEqual(
      Array.from({ length: 20 }, (_, n) => `DDS-${YEAR}-${String(n + 1).padStart(5, '0')}`),
    );
  });

  it('reserves disjoint, contiguous ranges for requests of different sizes', async () => {
    const sizes = Array.from({ length: 10 }, (_, n) => n + 1);
    const firsts = await Promise.all(
      sizes.map((size, n) => replica(n).stores.dds.reserveNumbers('org_ranges', YEAR, size)),
    );
    const taken = firsts.flatMap((first, n) => Array.from({ length: sizes[n] ?? 0 }, (_, i) => first + i));
    expect(taken.sort((a, b) => a - b)).toEqual(Array.from({ length: 55 }, (_, i) => i + 1));
  });
});

describe('DDS status changes from two replicas', () => {
  it('lets exactly one of 5 concurrent identical changes win, the others get 409', async () => {
    const pushed = await replica(0).batches.upsertBatches(
      caller(0),
      Array.from({ length: 10 }, (_, n) => ({
        externalId: `RACE-${n}`,
        productExternalId: 'P-HS',
        batchNumber: `L-RACE-${n}`,
      })),
      { autoCreateDDS: true },
    );
    const numbers = (pushed.ddsCreated ?? []).map((dds) => dds.ddsNumber);
    expect(numbers).toHaveLength(10);
    for (const ddsNumber of numbers) {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, n) =>
          replica(n).dds.changeStatus(ORG, ddsNumber, 'SUBMITTED', { adminSub: `admin_${n}` }),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(ConflictError);
          expect(String(result.reason)).toMatch(
            /from SUBMITTED to SUBMITTED; allowed from SUBMITTED: APPROVED, REJECTED/,
          );
        }
      }
      const stored = await replica(1).stores.dds.findByNumber(ORG, ddsNumber);
      expect(stored).toMatchObject({ status: 'SUBMITTED', version: 2 });
      expect(stored?.submissions).toHaveLength(1);
      expect(stored?.statusHistory).toHaveLength(1);
    }
  });

  it('decides the pending submission whatever other changes run at the same time', async () => {
    const pushed = await replica(0).batches.upsertBatches(
      caller(0),
      [{ externalId: 'DECIDE-1', productExternalId: 'P-HS', batchNumber: 'L-DECIDE' }],
      { autoCreateDDS: true },
    );
    const ddsNumber = pushed.ddsCreated?.[0]?.ddsNumber ?? '';
    await replica(0).dds.changeStatus(ORG, ddsNumber, 'SUBMITTED', { adminSub: 'a' });
    const decisions = await Promise.allSettled([
      replica(0).dds.changeStatus(ORG, ddsNumber, 'APPROVED', { adminSub: 'a' }),
      replica(1).dds.changeStatus(ORG, ddsNumber, 'REJECTED', { adminSub: 'b' }),
    ]);
    const won = decisions.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(won).toHaveLength(1);
    const stored = await replica(1).stores.dds.findByNumber(ORG, ddsNumber);
    expect(stored?.status).toBe(won[0]?.status);
    expect(stored?.submissions.map((submission) => submission.status)).toEqual([won[0]?.status]);
  });
});

describe('bulk upserts of the same records from two replicas', () => {
  it('creates each record once and counts every write', async () => {
    // Ten sets of new records, each pushed by both replicas at the same moment, all sets at once.
    const sets = Array.from({ length: 10 }, (_, set) =>
      Array.from({ length: 20 }, (_, n) => ({ externalId: `SAME-${set}-${n}`, name: `Product ${n}` })),
    );
    const results = (
      await Promise.all(
        sets.map((records) =>
          Promise.all([0, 1].map((n) => replica(n).products.upsertProducts(caller(n), records))),
        ),
      )
    ).flat();
    expect(results.flatMap((result) => result.errors)).toEqual([]);
    expect(results.reduce((sum, result) => sum + result.created, 0)).toBe(200);
    expect(results.reduce((sum, result) => sum + result.updated, 0)).toBe(200);
    const stored = await replica(0).stores.products.findMany(
      ORG,
      sets.flat().map((record) => record.externalId),
    );
    expect(stored).toHaveLength(200);
    expect(new Set(stored.map((doc) => doc.version))).toEqual(new Set([2]));
    // Both replicas answered with the one public id each record has.
    const ids = new Map(stored.map((doc) => [doc.externalId, doc._id]));
    for (const result of results) {
      for (const record of result.records) expect(record.internalId).toBe(ids.get(record.externalId));
    }
  });
});

describe('products racing the arrival of their supplier on two replicas', () => {
  it('ends every product SYNCED whichever replica writes first', async () => {
    const rounds = Array.from({ length: 30 }, (_, n) => n);
    await Promise.all(
      rounds.map(async (n) => {
        const supplierExternalId = `SUP-RACE-${n}`;
        // As the consumer handles the supplier's event: the projection first, then the products.
        const arrive = async () => {
          const at = new Date();
          await replica(n + 1).stores.suppliers.apply({
            orgId: ORG,
            externalId: supplierExternalId,
            internalId: `sup_${n}`,
            name: `Supplier ${n}`,
            country: 'GH',
            lastSyncedAt: at,
            occurredAt: at,
            eventId: `evt-${n}`,
          });
          await replica(n + 1).products.resolvePendingProducts(ORG, supplierExternalId);
        };
        await Promise.all([
          replica(n).products.upsertProducts(caller(n), [
            { externalId: `PRD-RACE-${n}`, name: 'Cocoa', supplierExternalId },
          ]),
          arrive(),
        ]);
      }),
    );
    const stored = await replica(0).stores.products.findMany(
      ORG,
      rounds.map((n) => `PRD-RACE-${n}`),
    );
    expect(stored.filter((doc) => doc.syncStatus !== 'SYNCED').map((doc) => doc.externalId)).toEqual([]);
    expect(stored).toHaveLength(30);
  });
});
