// Supplier reads through the edge of a real stack against the MongoDB driver's own rate for the same
// queries on the same server, measured in one run.
//
// For each stored size (BENCH_SUPPLIERS, default 200 and 10,000 suppliers of one organisation, pushed
// through the edge 500 per request) and each number of concurrent clients (BENCH_CLIENTS, default 1
// and 16; keep-alive HTTP or one pooled driver connection per client, from a worker thread):
// - GET /healthz of the edge (nginx answers it itself): the ceiling of the edge and this machine,
// - point read: the driver's findOne({orgId, externalId}) vs GET /suppliers/:externalId, cycling
//   through up to 1,000 stored externalIds,
// - list: the driver's find({orgId}).sort({lastSyncedAt: 1, externalId: 1}).limit(50) (and the same
//   with the countDocuments the page's `total` needs) vs GET /suppliers (first page, 50 per page).
// Targets, at 16 clients: >= 1,000 point reads/s and >= 500 lists/s; each endpoint >= 0.5 x the
// driver's rate for its query at the same concurrency.
//
// Run through `npm run bench -- suppliers` (builds, sets MONGO_URL, KAFKA_BROKERS and REDIS_URL).
// BENCH_SUPPLIERS, BENCH_CLIENTS, BENCH_DURATION_S (default 10), BENCH_WARMUP_S (default 2) and
// BENCH_REPLICAS (replicas of suppliers-service behind the edge) override the defaults.
import {
  describeMachine,
  envNumbers,
  expectStatuses,
  fmt,
  loadTimes,
  runLoad,
  startBenchStack,
  table,
  verdict,
} from '../../../scripts/bench-load.mjs';

const SIZES = envNumbers('BENCH_SUPPLIERS', [200, 10_000]);
const CLIENTS = envNumbers('BENCH_CLIENTS', [1, 16]);
const { durationMs, warmupMs } = loadTimes(10);
const ORG = 'org_bench';
const PATH = '/api/v1/integration/suppliers';
const PUSH = 500;
const POINT_KEYS = 1_000;
const PAGE = 50;
const TARGETS = { point: 1_000, list: 500, vsDriver: 0.5, atClients: 16 };

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  const { MongoClient } = await import('mongodb');
  const { call } = await import('../../../packages/testkit/dist/index.js');
  let stack;
  let mongo;
  let failed = false;
  try {
    // One-second rate-limit windows: the limiter stays on every request's path, but 100,000 requests
    // per window are never reached, whatever the machine.
    let replicasOf;
    ({ stack, replicasOf } = await startBenchStack('bench_suppliers', {
      'suppliers-service': { LOG_LEVEL: 'warn', RATE_LIMIT_WINDOW_SECONDS: '1' },
    }));
    const admin = await stack.admin(ORG);
    const { token } = await stack.issueToken(
      admin,
      ['integration:suppliers:read', 'integration:suppliers:write'],
      { rateLimitPerMinute: 100_000 },
    );
    const authorization = `Bearer ${token}`;
    const edge = stack.edge.url;
    const serviceMongoUrl = stack.envOf('suppliers-service').MONGO_URL;
    mongo = await MongoClient.connect(serviceMongoUrl);
    const suppliers = mongo.db().collection('suppliers');

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `stack: ${replicasOf('auth-service').length} auth-service and ` +
        `${replicasOf('suppliers-service').length} suppliers-service replica(s) behind a private nginx edge, Redis rate limiter on; load from a worker thread; ` +
        `${durationMs / 1000} s measured after ${warmupMs / 1000} s of warm-up per run`,
    );

    let stored = 0;
    for (const size of SIZES) {
      // ---- seed through the edge up to `size` ----
      for (; stored < size; stored += PUSH) {
        const count = Math.min(PUSH, size - stored);
        const body = {
          suppliers: Array.from({ length: count }, (_, i) => ({
            externalId: `S-${stored + i}`,
            name: `Supplier ${stored + i}`,
            country: 'GH',
          })),
        };
        const pushed = await call(edge, PATH, { method: 'POST', token, body });
        if (pushed.status !== 200 || pushed.body?.errors?.length > 0) {
          throw new Error(`seeding: ${pushed.status} ${JSON.stringify(pushed.body).slice(0, 300)}`);
        }
      }
      stored = size;
      const keys = Array.from(
        { length: Math.min(POINT_KEYS, size) },
        () => `S-${Math.floor(Math.random() * size)}`,
      );
      // The baseline must read what the service stores, or its rate means nothing.
      if ((await suppliers.findOne({ orgId: ORG, externalId: keys[0] })) === null) {
        throw new Error('the driver does not find a pushed supplier by {orgId, externalId} in `suppliers`');
      }
      const driver = (op, filters, extra = {}) => ({
        mongo: { url: serviceMongoUrl, collection: 'suppliers', op, filters, ...extra },
      });
      const listQuery = { sort: { lastSyncedAt: 1, externalId: 1 }, limit: PAGE };
      const variants = [
        { key: 'healthz', name: 'GET /healthz (edge alone)', load: { url: `${edge}/healthz` }, ok: ['200'] },
        {
          key: 'pointDriver',
          name: 'driver findOne({orgId, externalId})',
          load: driver(
            'findOne',
            keys.map((externalId) => ({ orgId: ORG, externalId })),
          ),
          ok: ['found'],
        },
        {
          key: 'point',
          name: 'GET /suppliers/:externalId',
          load: { urls: keys.map((key) => `${edge}${PATH}/${key}`), authorization },
          ok: ['200'],
          driver: 'pointDriver',
          target: TARGETS.point,
        },
        {
          key: 'listDriver',
          name: `driver find({orgId}).sort().limit(${PAGE})`,
          load: driver('find', [{ orgId: ORG }], listQuery),
          ok: ['found'],
        },
        {
          key: 'listCountDriver',
          name: '  the same + countDocuments',
          load: driver('find', [{ orgId: ORG }], { ...listQuery, count: true }),
          ok: ['found'],
        },
        {
          key: 'list',
          name: `GET /suppliers (first page of ${PAGE})`,
          load: { url: `${edge}${PATH}?limit=${PAGE}`, authorization },
          ok: ['200'],
          driver: 'listDriver',
          alsoVs: 'listCountDriver',
          target: TARGETS.list,
        },
      ];

      const rows = [];
      const verdicts = [];
      for (const clients of CLIENTS) {
        const results = {};
        for (const variant of variants) {
          const result = await runLoad({ ...variant.load, connections: clients, warmupMs, durationMs });
          expectStatuses(`${variant.name} at ${clients} clients`, result, variant.ok);
          results[variant.key] = result;
        }
        for (const variant of variants) {
          const r = results[variant.key];
          const vsDriver = variant.driver ? r.rps / results[variant.driver].rps : Number.NaN;
          rows.push([
            String(clients),
            variant.name,
            fmt(r.rps, 0),
            fmt(r.p50, 2),
            fmt(r.p99, 2),
            variant.driver ? fmt(vsDriver, 2) : '',
            variant.alsoVs ? fmt(r.rps / results[variant.alsoVs].rps, 2) : '',
            variant.driver ? fmt(r.rps / results.healthz.rps, 3) : '',
          ]);
          if (!variant.driver) continue;
          verdicts.push(
            `   ${variant.name} at ${clients} client(s): ${fmt(vsDriver, 2)} x driver ${verdict(vsDriver, TARGETS.vsDriver)}` +
              (clients === TARGETS.atClients
                ? `; ${fmt(r.rps, 0)} req/s ${verdict(r.rps, variant.target)}`
                : ''),
          );
        }
      }
      out();
      out(`${size} suppliers stored`);
      out(
        table(
          ['clients', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'x driver', 'x driver+count', 'x healthz'],
          rows,
          { left: [1] },
        ),
      );
      out(verdicts.join('\n'));
    }
  } catch (error) {
    failed = true;
    process.stderr.write(`suppliers bench failed: ${error?.stack ?? error}\n`);
  } finally {
    await mongo?.close().catch(() => undefined);
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
