// Bulk upsert cost and supplier-link propagation of batches-service, measured in one run against real
// processes (auth-service, suppliers-service, batches-service behind a private edge; FerretDB/MongoDB and
// Kafka from the environment).
//
// 1. Upsert of 500 new batches per request (POST /batches, no autoCreateDDS), BENCH_ROUNDS requests one
//    after another: records/s and p50/p99 per request. Floor: the mongodb driver's own bulkWrite of the
//    same 500 documents (insertOne each, unordered) into a scratch collection of the same server, the
//    same number of rounds. Target: request p50 and p99 <= 2x the floor's.
// 2. Propagation: a product naming an unknown supplier is pushed (PENDING), then the supplier is pushed
//    to suppliers-service; the time from that response until GET /products/:id says SYNCED (polled back
//    to back), BENCH_LINKS times: p50/p99.
//
// Run through `npm run bench -- batches` (builds the workspace, sets MONGO_URL and KAFKA_BROKERS).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { summarize } from '../../../scripts/bench-load.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const LINKS = Number(process.env.BENCH_LINKS ?? 50);
const BATCH = 500;
const out = (line = '') => process.stdout.write(`${line}\n`);

const fmt = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

async function main() {
  const { MongoClient } = await import('mongodb');
  const { call, startStack, waitFor } = await import('../../../packages/testkit/dist/index.js');
  let stack;
  let mongo;
  let failed = false;
  try {
    stack = await startStack('bench_batches', {
      apps: { 'suppliers-service': { LOG_LEVEL: 'warn' }, 'batches-service': { LOG_LEVEL: 'warn' } },
    });
    const admin = await stack.admin('org_bench');
    // The rate limiter stays on the path (Redis), with a budget the polling below cannot exhaust.
    const { token } = await stack.issueToken(
      admin,
      [
        'integration:suppliers:write',
        'integration:products:read',
        'integration:products:write',
        'integration:batches:write',
      ],
      { rateLimitPerMinute: 100_000 },
    );
    const base = stack.edge.url;
    const post = (path, body) => call(base, path, { method: 'POST', token, body });
    const product = await post('/api/v1/integration/products', {
      products: [{ externalId: 'P-BENCH', name: 'Bench cocoa', hsCode: '1801' }],
    });
    if (product.status !== 200) throw new Error(`product push failed: ${product.status}`);

    out(
      `machine: ${os.cpus().length} cores, node ${process.version}, load ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' / ')}; ` +
        'MongoDB protocol server at MONGO_URL (FerretDB here); other work may share the machine',
    );
    const batchRecord = (round, i) => ({
      externalId: `B-${round}-${i}`,
      productExternalId: 'P-BENCH',
      batchNumber: `LOT-${round}-${i}`,
      quantity: 100 + i,
      unit: 'kg',
      receivedDate: '2025-01-15',
    });

    // ---- 1a. the service ----
    const serviceMs = [];
    await post('/api/v1/integration/batches', {
      batches: Array.from({ length: BATCH }, (_, i) => batchRecord('warm', i)),
    });
    const serviceStart = performance.now();
    for (let round = 0; round < ROUNDS; round += 1) {
      const body = { batches: Array.from({ length: BATCH }, (_, i) => batchRecord(round, i)) };
      const started = performance.now();
      const result = await post('/api/v1/integration/batches', body);
      serviceMs.push(performance.now() - started);
      if (result.status !== 200 || result.body?.created !== BATCH) {
        throw new Error(`round ${round}: ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
      }
    }
    const serviceTotal = performance.now() - serviceStart;

    // ---- 1b. the floor: the driver's bulkWrite of the same documents ----
    mongo = await MongoClient.connect(stack.scope.baseMongoUrl);
    const scratch = mongo.db(`${stack.scope.dbName}_floor`).collection('batches');
    // The same secondary index as the service's batches collection (the list order), so both sides
    // pay the same index maintenance per insert.
    await scratch.createIndex({ orgId: 1, lastSyncedAt: 1, externalId: 1 });
    const now = new Date();
    const document = (round, i) => ({
      _id: `org_bench:F-${round}-${i}`,
      internalId: `bat_${randomBytes(12).toString('hex')}`,
      orgId: 'org_bench',
      ...batchRecord(round, i),
      expiryDate: null,
      integrationId: 'int_bench',
      syncStatus: 'SYNCED',
      lastSyncedAt: now,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    await scratch.bulkWrite(
      Array.from({ length: BATCH }, (_, i) => ({ insertOne: { document: document('warm', i) } })),
      { ordered: false },
    );
    const floorMs = [];
    const floorStart = performance.now();
    for (let round = 0; round < ROUNDS; round += 1) {
      const ops = Array.from({ length: BATCH }, (_, i) => ({ insertOne: { document: document(round, i) } }));
      const started = performance.now();
      await scratch.bulkWrite(ops, { ordered: false });
      floorMs.push(performance.now() - started);
    }
    const floorTotal = performance.now() - floorStart;
    await mongo.db(`${stack.scope.dbName}_floor`).dropDatabase();

    const s = summarize(serviceMs);
    const f = summarize(floorMs);
    out();
    out(`1. upsert of ${BATCH} new batches per request, ${ROUNDS} requests in sequence`);
    out('   variant                      records/s   p50 ms   p99 ms');
    out(
      `   POST /batches (edge)         ${fmt((ROUNDS * BATCH) / (serviceTotal / 1000), 0).padStart(9)} ${fmt(s.p50).padStart(8)} ${fmt(s.p99).padStart(8)}`,
    );
    out(
      `   driver bulkWrite (floor)     ${fmt((ROUNDS * BATCH) / (floorTotal / 1000), 0).padStart(9)} ${fmt(f.p50).padStart(8)} ${fmt(f.p99).padStart(8)}`,
    );
    const ratio = s.p50 / f.p50;
    const ratio99 = s.p99 / f.p99;
    out(
      `   ratio p50 ${fmt(ratio, 2)}x, p99 ${fmt(ratio99, 2)}x  ${
        ratio <= 2 && ratio99 <= 2 ? 'met (<= 2x at p50 and p99)' : 'MISSED (target <= 2x at p50 and p99)'
      }`,
    );

    // ---- 2. propagation ----
    const propagation = [];
    for (let i = 0; i < LINKS; i += 1) {
      const pushed = await post('/api/v1/integration/products', {
        products: [{ externalId: `P-LINK-${i}`, name: 'Linked', supplierExternalId: `S-LINK-${i}` }],
      });
      if (pushed.status !== 200) throw new Error(`product ${i}: ${pushed.status}`);
      await post('/api/v1/integration/suppliers', {
        suppliers: [{ externalId: `S-LINK-${i}`, name: 'Supplier' }],
      });
      const from = performance.now();
      await waitFor(
        async () =>
          (await call(base, `/api/v1/integration/products/P-LINK-${i}`, { token })).body?.syncStatus ===
          'SYNCED',
        { timeoutMs: 30_000, intervalMs: 5, message: `P-LINK-${i} to become SYNCED` },
      );
      propagation.push(performance.now() - from);
    }
    const p = summarize(propagation);
    out();
    out(`2. supplier event → product SYNCED, ms from the supplier push response (${LINKS} products)`);
    out(`   p50 ${fmt(p.p50)}   p99 ${fmt(p.p99)}   max ${fmt(p.max)}`);
  } catch (error) {
    failed = true;
    process.stderr.write(`batches bench failed: ${error?.stack ?? error}\n`);
  } finally {
    await mongo?.close().catch(() => undefined);
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
