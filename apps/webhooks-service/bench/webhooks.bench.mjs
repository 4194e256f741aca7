// Webhook delivery latency and throughput of a real stack (auth-service, suppliers-service and
// webhooks-service behind a private edge), with the ceiling measured in the same run.
//
// Events are made the way an integrator makes them: new suppliers pushed through the edge (each one a
// supplier.created that webhooks-service consumes from Kafka). The receiver answers 204 at once.
// 1. Latency: one subscription, BENCH_LATENCY_EVENTS pushes of one new supplier, one at a time; from
//    sending the push to the receiver reading the delivery.
// 2. Sustained: BENCH_SUBSCRIPTIONS subscriptions (default 100) of one integration, BENCH_EVENTS new
//    suppliers (default 50) pushed at once: deliveries per second from the first push to the last
//    delivery received (each delivery id counted once).
// 3. Ceiling: plain keep-alive POSTs of a delivered body to the same receiver from a worker thread, as
//    many connections as the service's replicas may have attempts in flight (WEBHOOK_CONCURRENCY each).
// Target: sustained / ceiling >= 0.3.
//
// Run through `npm run bench -- webhooks` (builds, sets MONGO_URL, KAFKA_BROKERS and REDIS_URL).
// BENCH_LATENCY_EVENTS, BENCH_EVENTS, BENCH_SUBSCRIPTIONS, BENCH_CONCURRENCY, BENCH_DURATION_S (the
// ceiling's, default 5) and BENCH_REPLICAS override the defaults.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  describeMachine,
  expectStatuses,
  fmt,
  loadTimes,
  runLoad,
  startBenchStack,
  summarize,
  verdict,
} from '../../../scripts/bench-load.mjs';

const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const { durationMs, warmupMs } = loadTimes(5, 1);
const TARGET_RATIO = 0.3;
const WEBHOOKS_PATH = '/api/v1/integration/webhook-events';
const SUPPLIERS_PATH = '/api/v1/integration/suppliers';
const PUSH = 500;

const out = (line = '') => process.stdout.write(`${line}\n`);

/** The worker's phase timings summed over `urls` (each replica's /metrics): { phase: { sum (s), count } }. */
async function phaseTimings(urls) {
  const phases = {};
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const match =
        /^webhook_delivery_phase_seconds_(sum|count)\{[^}]*phase="([a-z]+)"[^}]*\} ([0-9.e+-]+)$/.exec(line);
      if (match === null) continue;
      const [, kind, phase, value] = match;
      phases[phase] ??= { sum: 0, count: 0 };
      phases[phase][kind] += Number(value);
    }
  }
  return phases;
}

/** What happened between two {@link phaseTimings} readings, one line per phase. */
function describePhases(before, after, elapsedMs) {
  return Object.keys(after)
    .map((phase) => {
      const count = after[phase].count - (before[phase]?.count ?? 0);
      const sum = after[phase].sum - (before[phase]?.sum ?? 0);
      if (count === 0) return null;
      return (
        `   ${phase.padEnd(8)} ${String(count).padStart(6)} × mean ${((sum / count) * 1000).toFixed(1).padStart(6)} ms ` +
        `= ${(sum * 1000).toFixed(0).padStart(6)} ms (${((sum * 1000 * 100) / elapsedMs).toFixed(0)}% of the run, overlapping)`
      );
    })
    .filter((line) => line !== null)
    .join('\n');
}

/** The fast receiver: answers 204 at once and reports each request's headers, body and arrival time. */
function startReceiver(onRequest) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        onRequest(req.headers, Buffer.concat(chunks).toString(), performance.now());
        res.writeHead(204).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/hooks`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function main() {
  const { call, waitFor } = await import('../../../packages/testkit/dist/index.js');
  let stack;
  let receiver;
  let failed = false;
  try {
    let replicasOf;
    ({ stack, replicasOf } = await startBenchStack('bench_webhooks', {
      'suppliers-service': { LOG_LEVEL: 'warn' },
      'webhooks-service': {
        LOG_LEVEL: 'warn',
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
        WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
        WEBHOOK_CONCURRENCY: String(CONCURRENCY),
      },
    }));
    const webhooks = replicasOf('webhooks-service');
    const admin = await stack.admin('org_bench_webhooks');
    const { token } = await stack.issueToken(
      admin,
      ['integration:webhooks:manage', 'integration:suppliers:write'],
      { rateLimitPerMinute: 100_000 },
    );
    const edge = stack.edge.url;

    // Every delivery id once (delivery is at least once), with its arrival time.
    let onArrival = () => {};
    let sampleBody = '';
    receiver = await startReceiver((headers, body, at) => {
      sampleBody ||= body;
      onArrival(headers['x-webhook-delivery'], at);
    });

    let counter = 0;
    const pushSuppliers = async (count) => {
      for (let sent = 0; sent < count; sent += PUSH) {
        const suppliers = Array.from({ length: Math.min(PUSH, count - sent) }, () => {
          counter += 1;
          return { externalId: `SUP-${counter}`, name: `Supplier ${counter}`, country: 'BR' };
        });
        const pushed = await call(edge, SUPPLIERS_PATH, { method: 'POST', token, body: { suppliers } });
        if (pushed.status !== 200 || pushed.body?.created !== suppliers.length) {
          throw new Error(`supplier push: ${pushed.status} ${JSON.stringify(pushed.body).slice(0, 300)}`);
        }
      }
    };
    const subscribe = async () => {
      const created = await call(edge, WEBHOOKS_PATH, {
        method: 'POST',
        token,
        body: { url: receiver.url, events: ['supplier.created'] },
      });
      if (created.status !== 201)
        throw new Error(`subscription: ${created.status} ${JSON.stringify(created.body)}`);
    };

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `stack: ${webhooks.length} webhooks-service and ${replicasOf('suppliers-service').length} ` +
        `suppliers-service replica(s) behind a private nginx edge, WEBHOOK_CONCURRENCY ${CONCURRENCY} per replica; ` +
        'receiver in this process, the ceiling load from a worker thread',
    );

    // ---- 1. latency ----
    await subscribe();
    const seen = new Set();
    onArrival = (id) => seen.add(id);
    // Warm-up: the first event also waits for the consumers' first fetch.
    await pushSuppliers(1);
    await waitFor(() => seen.size >= 1, { timeoutMs: 30_000, message: 'the warm-up delivery' });
    const latencies = [];
    for (let i = 0; i < LATENCY_EVENTS; i += 1) {
      const before = seen.size;
      let arrivedAt = 0;
      onArrival = (id, at) => {
        if (!seen.has(id)) arrivedAt = at;
        seen.add(id);
      };
      const sentAt = performance.now();
      await pushSuppliers(1);
      await waitFor(() => seen.size > before, { timeoutMs: 10_000, intervalMs: 0, message: `delivery ${i}` });
      latencies.push(arrivedAt - sentAt);
    }
    const latency = summarize(latencies);
    out();
    out(`1. supplier push → delivery received, 1 subscription, ${LATENCY_EVENTS} pushes one at a time`);
    out(`   p50 ${fmt(latency.p50)} ms   p99 ${fmt(latency.p99)} ms   max ${fmt(latency.max)} ms`);

    // ---- 2. sustained, many subscriptions ----
    for (let i = 1; i < SUBSCRIPTIONS; i += 1) await subscribe();
    const expected = EVENTS * SUBSCRIPTIONS;
    const burst = new Set();
    let lastAt = 0;
    onArrival = (id, at) => {
      if (seen.has(id) || burst.has(id)) return;
      burst.add(id);
      lastAt = at;
    };
    const urls = webhooks.map((app) => app.url);
    const phasesBefore = await phaseTimings(urls);
    const burstStart = performance.now();
    await pushSuppliers(EVENTS);
    await waitFor(() => burst.size >= expected, {
      timeoutMs: 600_000,
      intervalMs: 50,
      message: `${expected} deliveries`,
    });
    const burstMs = lastAt - burstStart;
    const sustained = (expected / burstMs) * 1000;
    // Outcomes are recorded in batches: let the last be recorded before reading the timings.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const phases = describePhases(phasesBefore, await phaseTimings(urls), burstMs);

    // ---- 3. ceiling ----
    onArrival = () => {};
    const connections = CONCURRENCY * webhooks.length;
    const ceiling = await runLoad({
      url: receiver.url,
      method: 'POST',
      body: sampleBody,
      connections,
      warmupMs,
      durationMs,
    });
    expectStatuses('the receiver', ceiling, ['204']);

    out();
    out(
      `2. sustained: ${EVENTS} new suppliers × ${SUBSCRIPTIONS} subscriptions = ${expected} deliveries in ` +
        `${fmt(burstMs / 1000, 2)} s: ${fmt(sustained, 0)} deliveries/s`,
    );
    if (phases !== '') out(`   worker phases during it (summed over the replicas, overlapping):\n${phases}`);
    out(
      `3. ceiling: plain POSTs of a ${Buffer.byteLength(sampleBody)}-byte delivery body to the same receiver, ` +
        `${connections} keep-alive connections, ${durationMs / 1000} s: ${fmt(ceiling.rps, 0)} requests/s ` +
        `(p50 ${fmt(ceiling.p50, 2)} ms, p99 ${fmt(ceiling.p99, 2)} ms)`,
    );
    const ratio = sustained / ceiling.rps;
    out(`   sustained / ceiling ${fmt(ratio, 3)}  ${verdict(ratio, TARGET_RATIO)}`);
  } catch (error) {
    failed = true;
    process.stderr.write(`webhooks bench failed: ${error?.stack ?? error}\n`);
    for (const app of Object.values(stack?.replicas ?? stack?.apps ?? {}).flat()) {
      process.stderr.write(`--- ${app.name} log tail ---\n${app.logs().split('\n').slice(-20).join('\n')}\n`);
    }
  } finally {
    await receiver?.close();
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
