// Webhook delivery latency and throughput against a real webhooks-service process, with the ceiling
// measured in the same run.
//
// 1. Latency: one subscription, events published one at a time to the `suppliers` topic (as
//    suppliers-service would); latency = from the publish call to the receiver reading the request.
// 2. Throughput: 100 subscriptions of one integration, a burst of 20 events (each owes 100 deliveries,
//    2,000 in all); deliveries per second from the first publish to the last delivery received.
// 3. Ceiling: a plain loop of HTTP POSTs (same body size, keep-alive, as many connections as the
//    service's WEBHOOK_CONCURRENCY) to the same receiver: what the receiver and this machine allow.
//
// Run through `npm run bench -- webhooks` (builds the workspace, sets MONGO_URL and KAFKA_BROKERS).
// BENCH_LATENCY_EVENTS, BENCH_BURST_EVENTS and BENCH_CONCURRENCY override the defaults.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { percentile } from '../../../scripts/bench-load.mjs';

const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const BURST_EVENTS = Number(process.env.BENCH_BURST_EVENTS ?? 20);
const SUBSCRIPTIONS = 100;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const WEBHOOKS_PATH = '/api/v1/integration/webhook-events';

const out = (line = '') => process.stdout.write(`${line}\n`);

/** The worker's phase timings from /metrics: { phase: { sum (s), count } }. */
async function phaseTimings(baseUrl) {
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  const phases = {};
  for (const line of text.split('\n')) {
    const match =
      /^webhook_delivery_phase_seconds_(sum|count)\{[^}]*phase="([a-z]+)"[^}]*\} ([0-9.e+-]+)$/.exec(line);
    if (match === null) continue;
    const [, kind, phase, value] = match;
    phases[phase] ??= { sum: 0, count: 0 };
    phases[phase][kind] = Number(value);
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
        `  ${phase.padEnd(8)} ${String(count).padStart(6)} × mean ${((sum / count) * 1000).toFixed(1).padStart(6)} ms ` +
        `= ${(sum * 1000).toFixed(0).padStart(6)} ms (${((sum * 1000 * 100) / elapsedMs).toFixed(0)}% of the run, overlapping)`
      );
    })
    .filter((line) => line !== null)
    .join('\n');
}

/** The fast receiver: answers 204 at once and reports each request's delivery id and arrival time. */
function startReceiver(onRequest) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        onRequest(req.headers, performance.now());
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

/** The ceiling: `total` POSTs of `body` over `connections` keep-alive loops. */
async function plainPosts(url, body, total, connections) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let sent = 0;
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (sent < total) {
        sent += 1;
        await post();
      }
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  return (total / elapsed) * 1000;
}

async function main() {
  const { MongoClient } = await import('mongodb');
  const { createKafka, createProducer, createDomainEvent, domainEventKey, TOPICS } =
    await import('../../../packages/events/dist/index.js');
  const { createLogger } = await import('../../../packages/service-kit/dist/index.js');
  const { createAdminClient, createTestScope, mintAdminJwt, startAppProcess, waitFor, withDatabase, call } =
    await import('../../../packages/testkit/dist/index.js');

  const processes = [];
  let producer;
  let receiver;
  let failed = false;
  const scope = await createTestScope('bench_webhooks');
  const databases = [`${scope.dbName}_auth`, `${scope.dbName}_webhooks`];
  try {
    const adminSecret = randomBytes(32).toString('hex');
    const common = {
      KAFKA_BROKERS: scope.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: scope.topicPrefix,
      INTERNAL_SERVICE_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    const auth = await startAppProcess('auth-service', {
      ...common,
      MONGO_URL: withDatabase(scope.baseMongoUrl, databases[0]),
      ADMIN_JWT_SECRET: adminSecret,
    });
    processes.push(auth);
    const webhooks = await startAppProcess('webhooks-service', {
      ...common,
      MONGO_URL: withDatabase(scope.baseMongoUrl, databases[1]),
      AUTH_SERVICE_URL: auth.url,
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
      WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
      WEBHOOK_CONCURRENCY: String(CONCURRENCY),
    });
    processes.push(webhooks);

    const orgId = 'org_bench_webhooks';
    const admin = createAdminClient(auth.url, await mintAdminJwt({ secret: adminSecret, org: orgId }));
    const integration = await admin.createIntegration({ name: 'ERP webhooks bench' });
    const { token } = await admin.createToken(integration.id, {
      name: 'bench',
      scopes: ['integration:webhooks:manage'],
    });

    // Arrival times by delivery id; `expect` maps delivery ids to nothing, only counts matter.
    let onArrival = () => {};
    receiver = await startReceiver((headers, at) => onArrival(headers, at));

    const kafka = createKafka({
      brokers: scope.kafkaBrokers,
      clientId: 'webhooks-bench',
      topicPrefix: scope.topicPrefix,
      logger: createLogger({ service: 'webhooks-bench', level: 'error' }),
    });
    producer = createProducer(kafka);
    await producer.connect();
    let counter = 0;
    const publish = async (count) => {
      const events = Array.from({ length: count }, () => {
        counter += 1;
        return createDomainEvent({
          type: 'supplier.created',
          orgId,
          integrationId: integration.id,
          source: 'webhooks-bench',
          data: {
            externalId: `SUP-${counter}`,
            internalId: `sup_${String(counter).padStart(24, '0')}`,
            name: `Supplier ${counter}`,
            country: 'BR',
          },
        });
      });
      await producer.publish(
        TOPICS.suppliers,
        events.map((value) => ({ key: domainEventKey(value), value })),
      );
      return events;
    };
    const subscribe = async () => {
      const created = await call(webhooks.url, WEBHOOKS_PATH, {
        method: 'POST',
        token,
        body: { url: receiver.url, events: ['supplier.created'] },
      });
      if (created.status !== 201)
        throw new Error(`subscription: ${created.status} ${JSON.stringify(created.body)}`);
    };

    out(
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load average ` +
        `${os
          .loadavg()
          .map((v) => v.toFixed(2))
          .join(' / ')}; webhooks-service and auth-service as real processes, ` +
        `receiver, producer and the plain POST loop in this process; MongoDB protocol server: FerretDB`,
    );

    // ---- 1. latency ----
    await subscribe();
    // Warm-up: the first event also waits for the consumer's first fetch.
    let received = 0;
    onArrival = () => {
      received += 1;
    };
    await publish(1);
    await waitFor(() => received >= 1, { timeoutMs: 30_000, message: 'the warm-up delivery' });
    const latencies = [];
    for (let i = 0; i < LATENCY_EVENTS; i += 1) {
      const before = received;
      const sentAt = performance.now();
      let arrivedAt = 0;
      onArrival = (_headers, at) => {
        received += 1;
        arrivedAt = at;
      };
      await publish(1);
      await waitFor(() => received > before, {
        timeoutMs: 10_000,
        intervalMs: 0,
        message: `delivery of event ${i}`,
      });
      latencies.push(arrivedAt - sentAt);
    }
    latencies.sort((a, b) => a - b);
    out(
      `event → delivery latency, 1 subscription, ${LATENCY_EVENTS} events one at a time: ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`,
    );

    // ---- 2. throughput with 100 subscriptions ----
    for (let i = 1; i < SUBSCRIPTIONS; i += 1) await subscribe();
    const expected = BURST_EVENTS * SUBSCRIPTIONS;
    let burstReceived = 0;
    let lastAt = 0;
    onArrival = (_headers, at) => {
      burstReceived += 1;
      lastAt = at;
    };
    const phasesBefore = await phaseTimings(webhooks.url);
    const burstStart = performance.now();
    for (let sent = 0; sent < BURST_EVENTS; sent += 50) await publish(Math.min(50, BURST_EVENTS - sent));
    await waitFor(() => burstReceived >= expected, {
      timeoutMs: 600_000,
      intervalMs: 50,
      message: `${expected} deliveries`,
    });
    const burstRate = (expected / (lastAt - burstStart)) * 1000;
    out(
      `sustained: ${BURST_EVENTS} events × ${SUBSCRIPTIONS} subscriptions = ${expected} deliveries in ` +
        `${((lastAt - burstStart) / 1000).toFixed(1)} s: ${burstRate.toFixed(0)} deliveries/s`,
    );
    // Settling is batched: let the last batch be recorded before reading the timings.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    out(
      `worker phases during the burst (claim, lookup: per batch; send, outcome: per attempt; record: per settled batch):\n` +
        describePhases(phasesBefore, await phaseTimings(webhooks.url), lastAt - burstStart),
    );

    // ---- 3. ceiling ----
    const sampleBody = JSON.stringify({
      event: 'supplier.created',
      timestamp: new Date().toISOString(),
      integrationId: integration.id,
      data: { externalId: 'SUP-1', internalId: `sup_${'0'.repeat(24)}`, name: 'Supplier 1', country: 'BR' },
    });
    onArrival = () => {};
    const ceiling = await plainPosts(receiver.url, sampleBody, expected, CONCURRENCY);
    out(
      `ceiling: plain loop of ${expected} HTTP POSTs, ${CONCURRENCY} keep-alive connections: ${ceiling.toFixed(0)} requests/s`,
    );
    out(`ratio webhooks-service / ceiling: ${(burstRate / ceiling).toFixed(3)}`);
  } catch (err) {
    failed = true;
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    for (const app of processes)
      process.stderr.write(`--- ${app.name} log tail ---\n${app.logs().split('\n').slice(-30).join('\n')}\n`);
  } finally {
    await producer?.disconnect().catch(() => undefined);
    for (const app of processes.reverse()) await app.stop().catch(() => undefined);
    await receiver?.close();
    const client = await MongoClient.connect(scope.baseMongoUrl);
    try {
      for (const db of databases) await client.db(db).dropDatabase();
    } finally {
      await client.close();
    }
    await scope.cleanup();
  }
  process.exit(failed ? 1 : 0);
}

await main();
