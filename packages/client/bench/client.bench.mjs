// The client's push against the loop an integrator writes by hand, measured in one run against real
// processes (auth-service and suppliers-service, BENCH_REPLICAS replicas each behind a private edge,
// Redis counting rate limits; MongoDB and Kafka from the environment).
//
// 1. Throughput: BENCH_SUPPLIERS (10,000) new suppliers pushed by a plain sequential loop of
//    500-record requests (fetch, one request after the other) and by `client.suppliers.upsert` (500
//    per request, 4 in flight), alternating, BENCH_ROUNDS (3) rounds each, a fresh token per push.
//    Target: the client >= 2x the loop's records/s (medians), no 429.
// 2. Rate limit: the same push by the client with a token allowed BENCH_LIMIT (3, fewer than the 4 in
//    flight) requests per window (windows shortened to BENCH_WINDOW_S, 5 s, for this stack): 429s by
//    window. Target: none past the first window (the first requests go out before any answer tells
//    the budget). The loop, waiting out Retry-After on each 429, for comparison.
//
// Run through `npm run bench -- client` (builds the workspace, sets MONGO_URL and KAFKA_BROKERS).
import { performance } from 'node:perf_hooks';
import {
  describeMachine,
  fmt,
  startBenchStack,
  summarize,
  table,
  verdict,
} from '../../../scripts/bench-load.mjs';

const SUPPLIERS = Number(process.env.BENCH_SUPPLIERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 3);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 5);
const TARGET = 2;
const out = (line = '') => process.stdout.write(`${line}\n`);
const WRITE = 'integration:suppliers:write';

const supplier = (prefix, i) => ({
  externalId: `${prefix}-${i}`,
  name: `Supplier ${prefix} ${i}`,
  code: `C-${i}`,
  country: 'GH',
  city: 'Kumasi',
  email: `orders${i}@example.com`,
  website: 'https://supplier.example.com',
  certifications: ['Rainforest Alliance', 'FSC'],
  isEuOrigin: false,
});

async function main() {
  const { EudrClient } = await import('../dist/index.js');
  const { stack } = await startBenchStack('bench_client', {
    'suppliers-service': { LOG_LEVEL: 'warn', RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_S) },
  });
  let failed = false;
  try {
    const base = stack.edge.url;
    const admin = await stack.admin('org_bench_client');
    out(await describeMachine(stack.scope.baseMongoUrl));

    /** The hand-written loop: 500 per request, one after the other; waits out Retry-After on a 429. */
    async function loop(token, records, statuses) {
      for (let i = 0; i < records.length;) {
        const response = await fetch(`${base}/api/v1/integration/suppliers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ suppliers: records.slice(i, i + 500) }),
        });
        statuses.push({ status: response.status, at: performance.now() });
        const body = await response.json();
        if (response.status === 429) {
          await new Promise((resolve) =>
            setTimeout(resolve, Number(response.headers.get('retry-after')) * 1000),
          );
          continue;
        }
        if (response.status !== 200 || body.created !== Math.min(500, records.length - i)) {
          throw new Error(`loop: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
        }
        i += 500;
      }
    }

    async function client(token, records, statuses) {
      const eudr = new EudrClient({
        token,
        baseUrl: base,
        fetch: async (request) => {
          const response = await fetch(request);
          statuses.push({ status: response.status, at: performance.now() });
          return response;
        },
      });
      const result = await eudr.suppliers.upsert(records);
      if (result.created !== records.length || result.errors.length > 0) {
        throw new Error(`client: ${JSON.stringify({ ...result, records: undefined }).slice(0, 300)}`);
      }
    }

    const timed = async (push, token, records) => {
      const statuses = [];
      const started = performance.now();
      await push(token, records, statuses);
      const ms = performance.now() - started;
      return { ms, rate: records.length / (ms / 1000), statuses, started };
    };

    // ---- 1. throughput ----
    const runs = { loop: [], client: [] };
    // One warm-up push each (connections, JIT, the first index pages), not measured.
    for (const [name, push] of [
      ['loop', loop],
      ['client', client],
    ]) {
      const { token } = await stack.issueToken(admin, [WRITE]);
      await push(
        token,
        Array.from({ length: 1_000 }, (_, i) => supplier(`warm-${name}`, i)),
        [],
      );
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, push] of round % 2 === 0
        ? [
            ['loop', loop],
            ['client', client],
          ]
        : [
            ['client', client],
            ['loop', loop],
          ]) {
        const { token } = await stack.issueToken(admin, [WRITE]);
        const records = Array.from({ length: SUPPLIERS }, (_, i) => supplier(`${name}-${round}`, i));
        runs[name].push(await timed(push, token, records));
      }
    }
    const median = (name) => summarize(runs[name].map((r) => r.rate)).p50;
    const refused = (name) => runs[name].flatMap((r) => r.statuses).filter((s) => s.status === 429).length;
    const ratio = median('client') / median('loop');
    out();
    out(
      `1. ${SUPPLIERS} new suppliers per push, ${ROUNDS} pushes per variant, alternating, ${stack.replicas?.['suppliers-service']?.length ?? 1} suppliers-service replica(s)`,
    );
    out(
      table(
        ['variant', 'records/s (median)', 'seconds per push (median)', 'per push', '429s'],
        ['loop', 'client'].map((name) => [
          name === 'loop' ? 'sequential loop, 500 per request' : 'client.suppliers.upsert, 4 in flight',
          fmt(median(name), 0),
          fmt(summarize(runs[name].map((r) => r.ms / 1000)).p50, 2),
          runs[name].map((r) => fmt(r.ms / 1000, 2)).join(' '),
          refused(name),
        ]),
      ),
    );
    out(`   client / loop: ${fmt(ratio, 2)}x ${verdict(ratio, TARGET, { unit: 'x' })}`);

    // ---- 2. rate limit ----
    const byWindow = (run) => {
      const windows = {};
      for (const s of run.statuses) {
        const window = Math.floor((s.at - run.started) / (WINDOW_S * 1000)) + 1;
        windows[window] ??= { sent: 0, refused: 0 };
        windows[window].sent += 1;
        if (s.status === 429) windows[window].refused += 1;
      }
      return windows;
    };
    const limited = {};
    for (const [name, push] of [
      ['client', client],
      ['loop', loop],
    ]) {
      const { token } = await stack.issueToken(admin, [WRITE], { rateLimitPerMinute: LIMIT });
      const records = Array.from({ length: SUPPLIERS }, (_, i) => supplier(`limited-${name}`, i));
      limited[name] = await timed(push, token, records);
    }
    out();
    out(
      `2. the same push with ${LIMIT} requests allowed per ${WINDOW_S} s window (${Math.ceil(SUPPLIERS / 500)} requests needed)`,
    );
    const rows = [];
    for (const name of ['client', 'loop']) {
      const windows = byWindow(limited[name]);
      rows.push([
        name,
        fmt(limited[name].ms / 1000, 1),
        Object.entries(windows)
          .map(([w, c]) => `${w}:${c.sent - c.refused}/${c.refused}`)
          .join(' '),
        Object.entries(windows)
          .filter(([w]) => Number(w) > 1)
          .reduce((sum, [, c]) => sum + c.refused, 0),
      ]);
    }
    out(table(['variant', 'seconds', 'by window: accepted/429', '429s past window 1'], rows));
    const late = rows[0][3];
    out(`   client: ${late} 429s past the first window ${verdict(late, 0, { atLeast: false })}`);
  } catch (error) {
    failed = true;
    process.stderr.write(`client bench failed: ${error?.stack ?? error}\n`);
  } finally {
    await stack.close().catch(() => undefined);
  }
  if (failed) process.exitCode = 1;
}

await main();
