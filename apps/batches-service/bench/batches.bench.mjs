// Bulk upsert cost and supplier-link propagation of batches-service, measured in one run through the
// edge of a real stack (auth-service, suppliers-service, batches-service; MongoDB and Kafka from the
// environment).
//
// 1. 500-record batch upserts (POST /batches, no autoCreateDDS), BENCH_ROUNDS requests one after
//    another, first of 500 new batches each, then the same records again with a changed quantity
//    (updates): records/s and p50/p99 per request. Baseline: the mongodb driver's unordered
//    bulkWrite of the same 500 records as upserts (updateOne by {orgId, externalId}, upsert: true)
//    into a collection of the same server with the same indexes as the service's `batches` (copied
//    from it, plus a unique {orgId, externalId} if it has none, so the baseline's upserts never scan).
//    Target: request p50 and p99 <= 1.5x the baseline's.
// 2. Propagation: a product naming an unknown supplier is pushed (PENDING), then the supplier is pushed
//    to suppliers-service; the time from that response until GET /products/:id says SYNCED (polled back
//    to back), BENCH_LINKS times: p50/p99.
//
// Run through `npm run bench -- batches` (builds, sets MONGO_URL, KAFKA_BROKERS and REDIS_URL).
// BENCH_ROUNDS, BENCH_LINKS and BENCH_REPLICAS (replicas of every service behind the edge) override
// the defaults.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  describeMachine,
  fmt,
  startBenchStack,
  summarize,
  table,
  verdict,
} from '../../../scripts/bench-load.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const LINKS = Number(process.env.BENCH_LINKS ?? 50);
const BATCH = 500;
const TARGET_RATIO = 1.5;
const ORG = 'org_bench';
const out = (line = '') => process.stdout.write(`${line}\n`);

/** The indexes of `source` (but `_id`'s) on `target`, and a unique {orgId, externalId} if none has that key. */
async function copyIndexes(source, target) {
  const indexes = (await source.listIndexes().toArray()).filter((index) => index.name !== '_id_');
  const sameKey = (index) => JSON.stringify(index.key) === JSON.stringify({ orgId: 1, externalId: 1 });
  for (const { key, unique, sparse, partialFilterExpression } of indexes) {
    await target.createIndex(key, {
      ...(unique ? { unique } : {}),
      ...(sparse ? { sparse } : {}),
      ...(partialFilterExpression ? { partialFilterExpression } : {}),
    });
  }
  if (!indexes.some(sameKey)) await target.createIndex({ orgId: 1, externalId: 1 }, { unique: true });
  return (await target.listIndexes().toArray())
    .map((index) => `${JSON.stringify(index.key)}${index.unique ? ' unique' : ''}`)
    .join(', ');
}

async function main() {
  const { MongoClient } = await import('mongodb');
  const { call, waitFor } = await import('../../../packages/testkit/dist/index.js');
  let stack;
  let mongo;
  let failed = false;
  try {
    let replicasOf;
    ({ stack, replicasOf } = await startBenchStack('bench_batches', {
      'suppliers-service': { LOG_LEVEL: 'warn' },
      'batches-service': { LOG_LEVEL: 'warn' },
    }));
    const admin = await stack.admin(ORG);
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

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `stack: ${replicasOf('batches-service').length} batches-service replica(s) (and as many of ` +
        'auth-service and suppliers-service) behind a private nginx edge, Redis rate limiter on',
    );
    const batchRecord = (round, i, quantity = 100 + i) => ({
      externalId: `B-${round}-${i}`,
      productExternalId: 'P-BENCH',
      batchNumber: `LOT-${round}-${i}`,
      quantity,
      unit: 'kg',
      receivedDate: '2025-01-15',
    });
    const records = (round, quantity) =>
      Array.from({ length: BATCH }, (_, i) => batchRecord(round, i, quantity?.(i)));
    const updated = (i) => 1_000 + i;

    // ---- 1. the service and the baseline, round by round, so drift in the machine's load weighs on both ----
    mongo = await MongoClient.connect(stack.scope.baseMongoUrl);
    const serviceDb = mongo.db(new URL(stack.envOf('batches-service').MONGO_URL).pathname.slice(1));
    const baselineDb = mongo.db(`${stack.scope.dbName}_baseline`);
    const scratch = baselineDb.collection('batches');
    const upsert = async (round, quantity, expect) => {
      const started = performance.now();
      const result = await post('/api/v1/integration/batches', { batches: records(round, quantity) });
      const ms = performance.now() - started;
      if (result.status !== 200 || result.body?.[expect] !== BATCH) {
        throw new Error(`round ${round}: ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
      }
      return ms;
    };
    // The service's collection exists (and has its indexes) once it has stored something.
    await upsert('warm', undefined, 'created');
    const indexes = await copyIndexes(serviceDb.collection('batches'), scratch);
    const bulk = async (round, quantity, expect) => {
      const now = new Date();
      const ops = records(round, quantity).map((record) => ({
        updateOne: {
          filter: { orgId: ORG, externalId: record.externalId },
          update: {
            $set: {
              ...record,
              expiryDate: null,
              integrationId: 'int_bench',
              syncStatus: 'SYNCED',
              lastSyncedAt: now,
              updatedAt: now,
            },
            $setOnInsert: { internalId: `bat_${randomBytes(12).toString('hex')}`, createdAt: now },
            $inc: { version: 1 },
          },
          upsert: true,
        },
      }));
      const started = performance.now();
      const result = await scratch.bulkWrite(ops, { ordered: false });
      const ms = performance.now() - started;
      const count = expect === 'created' ? result.upsertedCount : result.modifiedCount;
      if (count !== BATCH) throw new Error(`baseline round ${round}: ${count} ${expect}, not ${BATCH}`);
      return ms;
    };
    await bulk('warm', undefined, 'created');
    const service = { created: [], updated: [] };
    const baseline = { created: [], updated: [] };
    for (const [kind, quantity] of [
      ['created', undefined],
      ['updated', updated],
    ]) {
      for (let round = 0; round < ROUNDS; round += 1) {
        service[kind].push(await upsert(round, quantity, kind));
        baseline[kind].push(await bulk(round, quantity, kind));
      }
    }

    out();
    out(`1. upsert of ${BATCH} batches per request, ${ROUNDS} requests in sequence per row`);
    out(`   baseline collection's indexes: ${indexes}`);
    const rows = [];
    const verdicts = [];
    for (const kind of ['created', 'updated']) {
      const s = summarize(service[kind]);
      const b = summarize(baseline[kind]);
      const rate = (values) => (values.length * BATCH) / (values.reduce((sum, v) => sum + v, 0) / 1000);
      rows.push([
        `POST /batches (edge), ${kind}`,
        fmt(rate(service[kind]), 0),
        fmt(s.p50),
        fmt(s.p99),
        '',
        '',
      ]);
      rows.push([
        `driver bulkWrite upserts, ${kind}`,
        fmt(rate(baseline[kind]), 0),
        fmt(b.p50),
        fmt(b.p99),
        `${fmt(s.p50 / b.p50, 2)}x`,
        `${fmt(s.p99 / b.p99, 2)}x`,
      ]);
      verdicts.push(
        `   ${kind}: p50 ${fmt(s.p50 / b.p50, 2)}x ${verdict(s.p50 / b.p50, TARGET_RATIO, { atLeast: false, unit: 'x' })}, ` +
          `p99 ${fmt(s.p99 / b.p99, 2)}x ${verdict(s.p99 / b.p99, TARGET_RATIO, { atLeast: false, unit: 'x' })}`,
      );
    }
    out(table(['variant', 'records/s', 'p50 ms', 'p99 ms', 'edge/driver p50', 'p99'], rows));
    out(verdicts.join('\n'));

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
    await mongo
      ?.db(`${stack.scope.dbName}_baseline`)
      .dropDatabase()
      .catch(() => undefined);
    await mongo?.close().catch(() => undefined);
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
