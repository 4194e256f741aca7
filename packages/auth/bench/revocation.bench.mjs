// Revocation → first 401 TOKEN_REVOKED on every replica of a real stack (auth-service and
// suppliers-service behind a private edge), idle and while BENCH_CLIENTS clients (default 32) read
// suppliers through the edge with another token.
//
// BENCH_REVOCATIONS times per phase (default 50), testkit's watchRevocation: a fresh token is seen
// accepted (200) by every suppliers-service replica, revoked through the edge, and every replica is
// polled directly, back to back (one loop per replica), until it refuses it, which must be 401
// TOKEN_REVOKED; the time counts from the revoke's response (millisecond clock). The load (keep-alive point reads, a worker thread) runs through the whole loaded phase
// and must be answered 200 throughout. Targets: idle p99 <= 50 ms; under load max <= 250 ms.
//
// Run through `npm run bench -- revocation` (builds, sets MONGO_URL, KAFKA_BROKERS and REDIS_URL).
// BENCH_REVOCATIONS, BENCH_CLIENTS and BENCH_REPLICAS override the defaults.
import {
  describeMachine,
  expectStatuses,
  fmt,
  runLoad,
  startBenchStack,
  summarize,
  table,
  verdict,
} from '../../../scripts/bench-load.mjs';

const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 50);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const READ = 'integration:suppliers:read';
const PATH = '/api/v1/integration/suppliers';
const SUPPLIERS = 200;
const TIMEOUT_MS = 10_000;
const TARGETS = { idleP99: 50, loadedMax: 250 };

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  const { call, watchRevocation } = await import('../../testkit/dist/index.js');
  let stack;
  let load;
  let failed = false;
  try {
    // One-second rate-limit windows: the limiter stays on the path, but the load never reaches
    // 100,000 requests per window.
    let replicasOf;
    ({ stack, replicasOf } = await startBenchStack('bench_revocation', {
      'suppliers-service': { LOG_LEVEL: 'warn', RATE_LIMIT_WINDOW_SECONDS: '1' },
    }));
    const admin = await stack.admin('org_bench');
    const writer = await stack.issueToken(admin, [READ, 'integration:suppliers:write'], {
      rateLimitPerMinute: 100_000,
    });
    const edge = stack.edge.url;
    const seeded = await call(edge, PATH, {
      method: 'POST',
      token: writer.token,
      body: {
        suppliers: Array.from({ length: SUPPLIERS }, (_, i) => ({
          externalId: `S-${i}`,
          name: `Supplier ${i}`,
        })),
      },
    });
    if (seeded.status !== 200) throw new Error(`seeding: ${seeded.status} ${JSON.stringify(seeded.body)}`);
    const replicas = replicasOf('suppliers-service').map((app, i) => ({
      name: `replica ${i + 1}`,
      url: app.url,
    }));

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `stack: ${replicasOf('auth-service').length} auth-service and ${replicas.length} suppliers-service ` +
        'replica(s) behind a private nginx edge, Redis rate limiter on; the load from a worker thread',
    );

    /** `REVOCATIONS` times testkit's watchRevocation: a fresh token revoked, ms until each replica refuses it. */
    const measure = async () => {
      const byReplica = new Map(replicas.map(({ name }) => [name, []]));
      for (let i = 0; i < REVOCATIONS; i += 1) {
        const seen = await watchRevocation(stack, admin, {
          path: `${PATH}/S-0`,
          scopes: [READ],
          targets: replicas,
          timeoutMs: TIMEOUT_MS,
        });
        for (const { name, result, ms } of seen) {
          if (result.status !== 401 || result.body?.error !== 'TOKEN_REVOKED') {
            throw new Error(
              `${name} answered ${result.status} ${JSON.stringify(result.body)} instead of TOKEN_REVOKED`,
            );
          }
          byReplica.get(name).push(ms);
        }
      }
      return [...byReplica.values()];
    };

    const idle = await measure();
    load = runLoad({
      urls: Array.from({ length: SUPPLIERS }, (_, i) => `${edge}${PATH}/S-${i}`),
      authorization: `Bearer ${writer.token}`,
      connections: CLIENTS,
      warmupMs: 1_000,
      durationMs: Number.POSITIVE_INFINITY,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const loaded = await measure();
    load.stop();
    const reads = await load;
    load = undefined;
    expectStatuses(`the load through the edge`, reads, ['200']);

    out();
    out(
      `revoke response → first 401 TOKEN_REVOKED, ms, ${REVOCATIONS} revocations per phase, every replica ` +
        `polled directly and back to back with GET ${PATH}/:externalId`,
    );
    const rows = [];
    const overall = {};
    for (const [phase, byReplica] of [
      ['idle', idle],
      [`${CLIENTS} clients reading`, loaded],
    ]) {
      const all = summarize(byReplica.flat());
      overall[phase] = all;
      byReplica.forEach((values, i) => {
        const s = summarize(values);
        rows.push([phase, replicas[i].name, s.n, fmt(s.p50, 0), fmt(s.p99, 0), fmt(s.max, 0)]);
      });
      rows.push([phase, 'all', all.n, fmt(all.p50, 0), fmt(all.p99, 0), fmt(all.max, 0)]);
    }
    out(table(['phase', 'replica', 'n', 'p50', 'p99', 'max'], rows, { left: [0, 1] }));
    out(
      `   load during the loaded phase: ${fmt(reads.rps, 0)} reads/s through the edge ` +
        `(p50 ${fmt(reads.p50, 2)} ms, p99 ${fmt(reads.p99, 2)} ms, ${reads.latencies.length} reads, all 200)`,
    );
    const loadedAll = overall[`${CLIENTS} clients reading`];
    out(
      `   idle p99 ${fmt(overall.idle.p99, 0)} ms ${verdict(overall.idle.p99, TARGETS.idleP99, { atLeast: false, unit: ' ms' })}`,
    );
    out(
      `   under load p50 ${fmt(loadedAll.p50, 0)} ms, max ${fmt(loadedAll.max, 0)} ms ` +
        verdict(loadedAll.max, TARGETS.loadedMax, { atLeast: false, unit: ' ms' }),
    );
  } catch (error) {
    failed = true;
    process.stderr.write(`revocation bench failed: ${error?.stack ?? error}\n`);
  } finally {
    load?.stop();
    await load?.catch(() => undefined);
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
