// What the cross-replica rate limiter costs, measured in one run with and without it.
//
// 1. Real suppliers-service processes on one database: replica (a) without a Redis (REDIS_URL unset:
//    no limiting), replica (b) counting every request in the shared Redis (one EVALSHA round trip per
//    request). Route: GET /api/v1/integration/suppliers?limit=1, the cheapest authenticated read.
// 2. The same comparison in this process on a route that does nothing after authentication
//    (GET /ping), so the limiter's cost is not diluted by a database query: the worst case.
// The token's integration is given the highest limit the admin API allows and the windows are short
// (10 s, 1 s in process), so no request is refused; any non-200 fails the run. Shorter windows change
// nothing per request (one PEXPIRE per window and token). Load: keep-alive HTTP from a
// worker thread, a fixed number of concurrent connections, warm-up not counted, order a b b a.
// Target: b/a >= 0.90 (at most 10% fewer requests per second).
//
// Run through `npm run bench -- rate-limit` (builds the workspace, sets MONGO_URL and KAFKA_BROKERS;
// Redis comes from REDIS_URL or infra/local/redis.sh). BENCH_DURATION_S (or BENCH_DURATION_MS),
// BENCH_WARMUP_S and BENCH_CONNECTIONS override the defaults.
import { describeMachine, listen, loadTimes, percentile, runLoad } from '../../../scripts/bench-load.mjs';

const { durationMs: DURATION_MS, warmupMs: WARMUP_MS } = loadTimes(8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const READ = 'integration:suppliers:read';
const SUPPLIERS_LIST = '/api/v1/integration/suppliers?limit=1';
const TARGET_RATIO = 0.9;

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** Runs the schedule a b b a over `variants` ({key, name, url}) and fills in rps and latencies. */
async function compare(variants, authorization) {
  const [a, b] = variants;
  for (const variant of variants) Object.assign(variant, { latencies: [], elapsedMs: 0 });
  for (const variant of [a, b, b, a]) {
    const result = await runLoad({
      url: variant.url,
      authorization,
      connections: CONNECTIONS,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
    });
    const bad = Object.entries(result.statuses).filter(([status]) => status !== '200');
    if (bad.length > 0) throw new Error(`(${variant.key}) answered ${JSON.stringify(result.statuses)}`);
    variant.latencies = variant.latencies.concat(result.latencies);
    variant.elapsedMs += result.elapsedMs;
  }
  for (const variant of variants) {
    variant.rps = variant.latencies.length / (variant.elapsedMs / 1000);
    const sorted = [...variant.latencies].sort((x, y) => x - y);
    variant.p50 = percentile(sorted, 50);
    variant.p99 = percentile(sorted, 99);
  }
  return b.rps / a.rps;
}

function report(title, variants, ratio) {
  out(title);
  out('   variant                                      req/s    p50 ms   p99 ms   requests');
  for (const v of variants) {
    out(
      `   (${v.key}) ${v.name.padEnd(40)} ${fmt(v.rps, 0).padStart(7)} ${fmt(v.p50).padStart(9)} ` +
        `${fmt(v.p99).padStart(8)} ${String(v.latencies.length).padStart(10)}`,
    );
  }
  out(
    `   b/a ${fmt(ratio, 3)} (cost ${fmt((1 - ratio) * 100, 1)}%)  ` +
      (ratio >= TARGET_RATIO ? `met (>= ${TARGET_RATIO})` : `MISSED (target >= ${TARGET_RATIO})`),
  );
}

async function main() {
  const { createAuth } = await import('../dist/index.js');
  const { createApp, createLogger } = await import('../../service-kit/dist/index.js');
  const { createKafka, createProducer } = await import('../../events/dist/index.js');
  const { startStack, waitFor, call } = await import('../../testkit/dist/index.js');

  const cleanups = [];
  let stack;
  let failed = false;
  try {
    // Request logs would be a cost of both variants that has nothing to do with rate limiting.
    // Ten-second windows: 100000 requests per window are then never reached, whatever the machine.
    stack = await startStack('bench_rate_limit', {
      apps: { 'suppliers-service': { LOG_LEVEL: 'warn', RATE_LIMIT_WINDOW_SECONDS: '10' } },
    });
    const withLimiter = stack.apps['suppliers-service'];
    const withoutLimiter = await stack.startReplica('suppliers-service', {
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
    });
    const admin = await stack.admin('org_bench');
    const { token } = await stack.issueToken(admin, [READ], { rateLimitPerMinute: 100_000 });
    const authorization = `Bearer ${token}`;
    for (const app of [withLimiter, withoutLimiter]) {
      await waitFor(async () => (await call(app.url, SUPPLIERS_LIST, { token })).status === 200, {
        timeoutMs: 30_000,
        message: `${app.url} to accept the bench token`,
      });
    }
    const probe = await call(withLimiter.url, SUPPLIERS_LIST, { token });
    if (probe.headers.get('x-ratelimit-limit') !== '100000') throw new Error('replica (b) does not limit');
    const unlimited = await call(withoutLimiter.url, SUPPLIERS_LIST, { token });
    if (unlimited.headers.get('x-ratelimit-limit') !== null) throw new Error('replica (a) limits');

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `redis: ${stack.redisUrl}; ${CONNECTIONS} connections, ` +
        `${DURATION_MS / 1000} s per run after ${WARMUP_MS / 1000} s of warm-up, order a b b a (two runs pooled each)`,
    );
    out();

    const processVariants = [
      { key: 'a', name: 'suppliers-service, no limiter', url: `${withoutLimiter.url}${SUPPLIERS_LIST}` },
      { key: 'b', name: 'suppliers-service, Redis limiter', url: `${withLimiter.url}${SUPPLIERS_LIST}` },
    ];
    const processRatio = await compare(processVariants, authorization);
    report(`1. GET ${SUPPLIERS_LIST} on two real replicas`, processVariants, processRatio);
    out();

    // ---- 2. in-process, nothing after authentication ----
    const logger = createLogger({ service: 'rate-limit-bench', level: 'error' });
    const kafka = createKafka({
      brokers: stack.kafkaBrokers,
      clientId: 'rate-limit-bench',
      topicPrefix: stack.scope.topicPrefix,
      logger,
    });
    const producer = createProducer(kafka);
    await producer.connect();
    cleanups.unshift(() => producer.disconnect());
    const envOf = stack.envOf('suppliers-service');
    const makeAuth = (rateLimit) =>
      createAuth({
        kafka,
        producer,
        logger,
        introspection: { url: stack.auth.url, serviceKey: envOf.INTERNAL_SERVICE_KEY },
        maxStalenessMs: 30_000,
        usage: { source: `rate-limit-bench@${process.pid}` },
        ...(rateLimit === undefined ? {} : { rateLimit }),
      });
    const variants = [
      { key: 'a', name: 'GET /ping, authenticate only', auth: makeAuth(undefined) },
      {
        key: 'b',
        name: 'GET /ping, authenticate + Redis limiter',
        auth: makeAuth({
          redisUrl: stack.redisUrl,
          keyPrefix: `${stack.scope.redisKeyPrefix}bench:`,
          // One-second windows: the token's limit (100000 per window) is then never reached here.
          windowSeconds: 1,
        }),
      },
    ];
    for (const variant of variants) {
      await variant.auth.start();
      cleanups.unshift(() => variant.auth.stop());
      await waitFor(() => variant.auth.isReady(), {
        timeoutMs: 30_000,
        message: 'the projection to catch up',
      });
      const app = createApp({
        service: `rate-limit-bench-${variant.key}`,
        logger,
        routes: (router) =>
          router.get('/ping', variant.auth.authenticate, variant.auth.requireScopes(READ), (_req, res) => {
            res.json({ ok: true });
          }),
      });
      const server = await listen(app);
      cleanups.unshift(() => server.close());
      variant.url = `${server.url}/ping`;
      const check = await fetch(variant.url, { headers: { authorization } });
      await check.arrayBuffer();
      if (check.status !== 200) throw new Error(`(${variant.key}) answered ${check.status}`);
      if ((check.headers.get('x-ratelimit-limit') !== null) !== (variant.key === 'b')) {
        throw new Error(`(${variant.key}) rate-limit headers not as expected`);
      }
    }
    const inProcessRatio = await compare(variants, authorization);
    report(
      '2. in this process, a route that does nothing after authentication (worst case)',
      variants,
      inProcessRatio,
    );
    if (processRatio < TARGET_RATIO) failed = true;
  } catch (error) {
    failed = true;
    process.stderr.write(`rate-limit bench failed: ${error?.stack ?? error}\n`);
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error) => process.stderr.write(`cleanup failed: ${error?.message ?? error}\n`));
    }
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
