// What an integration's IP allowlist costs on the authentication path, measured in one run against the
// same path without one.
//
// One in-process app with the token projection of a real stack (auth-service, the shared Kafka) and a
// route that does nothing after authentication (GET /ping): the worst case, nothing dilutes the check.
// Two tokens of one organisation: (a) on an integration without a list, (b) on an integration whose
// list has 100 entries (the cap), 99 ranges that do not match and, last, the range that does
// (127.0.0.0/8), so every request of (b) parses its address and compares it with every range.
//
// 1. HTTP: keep-alive requests from two worker threads at once, half the connections each, one per
//    variant, against the same server, so both meet the same machine (BENCH_ROUNDS × 2 runs), requests
//    per second pooled per variant. Target: the time per request with the list at most 1.02 times the
//    time without (rps a / rps b <= 1.02).
// 2. The middleware alone, called in a loop with the same request objects (no HTTP): nanoseconds per
//    call and what the list adds, to show where the difference comes from; and (c) a compliant token of
//    an organisation with a token policy, for what the policy check adds.
//
// Run through `npm run bench -- access-policy`. BENCH_DURATION_S (per run, default 4), BENCH_WARMUP_S,
// BENCH_ROUNDS (default 2), BENCH_CONNECTIONS (default 10), BENCH_CALLS (100000) and BENCH_MICRO_ROUNDS (5)
// override the defaults.
import { describeMachine, listen, loadTimes, runLoad } from '../../../scripts/bench-load.mjs';

const { durationMs: DURATION_MS, warmupMs: WARMUP_MS } = loadTimes(4, 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const MICRO_ROUNDS = Number(process.env.BENCH_MICRO_ROUNDS ?? 5);
const READ = 'integration:suppliers:read';
const TARGET_RATIO = 1.02;

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** 99 ranges that never match a loopback client, then the one that does. */
function hundredEntries() {
  const entries = [];
  for (let i = 0; entries.length < 99; i += 1) entries.push(`10.${i}.0.0/16`);
  entries.push('127.0.0.0/8');
  return entries;
}

async function main() {
  const { createAuth } = await import('../dist/index.js');
  const { createApp, createLogger } = await import('../../service-kit/dist/index.js');
  const { createKafka, createProducer } = await import('../../events/dist/index.js');
  const { startStack, waitFor, call, mintAdminJwt } = await import('../../testkit/dist/index.js');

  const cleanups = [];
  let stack;
  let failed = false;
  try {
    stack = await startStack('bench_access_policy', { apps: {}, redisUrl: null });
    const admin = await stack.admin('org_bench_policy');
    const jwt = await mintAdminJwt({ secret: stack.adminSecret, org: 'org_bench_policy' });
    const open = await stack.issueToken(admin, [READ]);
    const listed = await stack.issueToken(admin, [READ]);
    const patched = await call(stack.edge.url, `/api/v1/admin/integrations/${listed.integrationId}`, {
      method: 'PATCH',
      authorization: `Bearer ${jwt}`,
      body: { allowedAddresses: hundredEntries() },
    });
    if (patched.status !== 200 || patched.body?.allowedAddresses?.length !== 100) {
      throw new Error(`the allowlist was not stored: ${patched.status}`);
    }
    // (c), for the middleware alone: a compliant token of an organisation with a token policy.
    const policyOrg = 'org_bench_policy_set';
    const compliant = await stack.issueToken(await stack.admin(policyOrg), [READ], {
      expiresAt: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
    });
    const policyJwt = await mintAdminJwt({ secret: stack.adminSecret, org: policyOrg });
    const policySet = await call(stack.edge.url, '/api/v1/admin/policy', {
      method: 'PUT',
      authorization: `Bearer ${policyJwt}`,
      body: { maxTokenLifetimeDays: 90, requireExpiry: true, defaultTokenLifetimeDays: null },
    });
    if (policySet.status !== 200) throw new Error(`the policy was not stored: ${policySet.status}`);

    const logger = createLogger({ service: 'access-policy-bench', level: 'error' });
    const kafka = createKafka({
      brokers: stack.kafkaBrokers,
      clientId: 'access-policy-bench',
      topicPrefix: stack.scope.topicPrefix,
      logger,
    });
    const producer = createProducer(kafka);
    await producer.connect();
    cleanups.unshift(() => producer.disconnect());
    const auth = createAuth({
      kafka,
      producer,
      logger,
      introspection: { url: stack.auth.url, serviceKey: stack.envOf('auth-service').INTERNAL_SERVICE_KEY },
      maxStalenessMs: 30_000,
      usage: { source: `access-policy-bench@${process.pid}` },
    });
    await auth.start();
    cleanups.unshift(() => auth.stop());
    await waitFor(
      () =>
        auth.projection.integrationStatus(listed.integrationId)?.allowlist?.entries.length === 100 &&
        auth.projection.orgPolicy(policyOrg)?.maxTokenLifetimeDays === 90,
      { timeoutMs: 30_000, message: 'the projection to hold the 100-entry allowlist and the policy' },
    );
    const app = createApp({
      service: 'access-policy-bench',
      logger,
      routes: (router) =>
        router.get('/ping', auth.authenticate, auth.requireScopes(READ), (_req, res) => {
          res.json({ ok: true });
        }),
    });
    const server = await listen(app);
    cleanups.unshift(() => server.close());
    const url = `${server.url}/ping`;

    const variants = [
      { key: 'a', name: 'no allowlist', token: open.token },
      { key: 'b', name: '100-entry allowlist, match on the last', token: listed.token },
    ];
    for (const variant of variants) {
      const check = await fetch(url, { headers: { authorization: `Bearer ${variant.token}` } });
      await check.arrayBuffer();
      if (check.status !== 200) throw new Error(`(${variant.key}) answered ${check.status}`);
      Object.assign(variant, { requests: 0, elapsedMs: 0 });
    }
    // The list must actually be checked: an address outside it is refused.
    const refusedElsewhere = auth.projection
      .integrationStatus(listed.integrationId)
      .allowlist.allows('198.51.100.1');
    if (refusedElsewhere) throw new Error('the allowlist admits an address outside it');

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `${CONNECTIONS} connections, ${DURATION_MS / 1000} s per run after ${WARMUP_MS / 1000} s of warm-up, ` +
        `both variants at once (${Math.max(1, Math.floor(CONNECTIONS / 2))} connections each), one unmeasured run, then ${ROUNDS * 2} runs`,
    );
    out();

    // ---- 1. HTTP ----
    // Both variants at the same time, each from its own worker with half the connections, against the
    // same server: whatever else the machine does hits both alike, and a costlier check shows as fewer
    // answered requests of (b). Back-to-back runs on a shared 2-core machine differ by more than 10%.
    const [a, b] = variants;
    const half = Math.max(1, Math.floor(CONNECTIONS / 2));
    // Which worker starts first alternates, so neither variant has its connections up first every time.
    const together = (warmupMs, order) =>
      Promise.all(
        order.map((variant) =>
          runLoad({
            url,
            authorization: `Bearer ${variant.token}`,
            connections: half,
            warmupMs,
            durationMs: DURATION_MS,
          }),
        ),
      );
    await together(0, [a, b]);
    for (let round = 0; round < ROUNDS * 2; round += 1) {
      const order = round % 2 === 0 ? [a, b] : [b, a];
      const results = await together(WARMUP_MS, order);
      results.forEach((result, i) => {
        const variant = order[i];
        const bad = Object.keys(result.statuses).filter((status) => status !== '200');
        if (bad.length > 0) throw new Error(`(${variant.key}) answered ${JSON.stringify(result.statuses)}`);
        variant.requests += result.latencies.length;
        variant.elapsedMs += result.elapsedMs;
      });
    }
    for (const variant of variants) variant.rps = variant.requests / (variant.elapsedMs / 1000);
    const ratio = a.rps / b.rps;
    out('1. GET /ping in this process, nothing after authentication (worst case)');
    out('   variant                                          req/s   requests');
    for (const v of variants) {
      out(
        `   (${v.key}) ${v.name.padEnd(44)} ${fmt(v.rps, 0).padStart(7)} ${String(v.requests).padStart(10)}`,
      );
    }
    out(
      `   time per request b/a ${fmt(ratio, 3)} (cost ${fmt((ratio - 1) * 100, 1)}%)  ` +
        (ratio <= TARGET_RATIO ? `met (<= ${TARGET_RATIO})` : `MISSED (target <= ${TARGET_RATIO})`),
    );
    out();

    // ---- 2. the middleware alone ----
    const request = (token) => ({
      headersDistinct: { authorization: [`Bearer ${token}`] },
      headers: { authorization: `Bearer ${token}` },
      ip: '127.0.0.1',
      socket: { remoteAddress: '127.0.0.1' },
    });
    const timeCalls = (token) => {
      let refused = 0;
      const started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i += 1) {
        auth.authenticate(request(token), {}, (err) => {
          if (err !== undefined) refused += 1;
        });
      }
      const ns = Number(process.hrtime.bigint() - started) / CALLS;
      if (refused > 0) throw new Error(`${refused} calls were refused`);
      return ns;
    };
    // Rounds of a b b a; the median per variant, so a garbage collection or a neighbour's burst in one
    // run does not decide the figure.
    const samples = { a: [], b: [], c: [] };
    const tokens = { a: a.token, b: b.token, c: compliant.token };
    for (const key of ['a', 'b', 'c']) timeCalls(tokens[key]);
    for (let round = 0; round < MICRO_ROUNDS; round += 1) {
      for (const key of ['a', 'b', 'c', 'c', 'b', 'a']) samples[key].push(timeCalls(tokens[key]));
    }
    const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
    const ns = { a: median(samples.a), b: median(samples.b), c: median(samples.c) };
    out(
      `2. authenticate alone, ${CALLS} calls per run, ${MICRO_ROUNDS} rounds of a b c c b a, median per variant`,
    );
    out(
      `   (a) ${fmt(ns.a, 0)} ns per call   (b) ${fmt(ns.b, 0)} ns per call   the list adds ${fmt(ns.b - ns.a, 0)} ns`,
    );
    out(
      `   (c) a compliant token under a 90-day policy: ${fmt(ns.c, 0)} ns per call, the policy adds ${fmt(ns.c - ns.a, 0)} ns`,
    );
    out(
      `   against the time per request of (a) (1 / throughput: ${fmt(1e9 / a.rps / 1000, 1)} µs), ` +
        `that is ${fmt(((ns.b - ns.a) / (1e9 / a.rps)) * 100, 2)}%`,
    );
    if (ratio > TARGET_RATIO)
      out('   (the HTTP ratio moves by a few percent between runs on a shared machine)');
  } catch (error) {
    failed = true;
    process.stderr.write(`access-policy bench failed: ${error?.stack ?? error}\n`);
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
