// Revocation → first 401 TOKEN_REVOKED on every replica of a real stack (auth-service and
// suppliers-service behind a private edge), idle and while BENCH_CLIENTS clients (default 32) read
// suppliers through the edge with another token.
//
// Tokens are created through the admin API up front and each is seen accepted (200) by every
// replica. Then, one at a time, a token is revoked through the edge and every suppliers-service
// replica is polled directly, back to back (one loop per replica), with the revoked token until it
// answers 401 TOKEN_REVOKED; the time counts from the revoke's response. BENCH_REVOCATIONS (default
// 50) per phase. The load (keep-alive point reads, a worker thread) runs through the whole loaded phase
// and must be answered 200 throughout. Targets: idle p99 <= 50 ms; under load max <= 250 ms.
//
// Run through `npm run bench -- revocation` (builds, sets MONGO_URL, KAFKA_BROKERS and REDIS_URL).
// BENCH_REVOCATIONS, BENCH_CLIENTS and BENCH_REPLICAS override the defaults.
import { performance } from 'node:perf_hooks';
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
  const { call, waitFor } = await import('../../testkit/dist/index.js');
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

    const probe = `${PATH}/S-0`;
    const answer = async (url, token) => {
      const result = await call(url, probe, { token });
      return { status: result.status, error: result.body?.error, at: performance.now() };
    };
    const pollUntilRevoked = async (url, token) => {
      const deadline = performance.now() + TIMEOUT_MS;
      for (;;) {
        const result = await answer(url, token);
        if (result.status !== 200) {
          if (result.status !== 401 || result.error !== 'TOKEN_REVOKED') {
            throw new Error(`${url} answered ${result.status} ${result.error} instead of TOKEN_REVOKED`);
          }
          return result.at;
        }
        if (performance.now() > deadline) throw new Error(`${url} still accepts a token revoked long ago`);
      }
    };
    /** Creates `REVOCATIONS` tokens, then revokes them one by one: ms until each replica refuses. */
    const measure = async () => {
      const issued = [];
      for (let i = 0; i < REVOCATIONS; i += 1) {
        issued.push(await stack.issueToken(admin, [READ], { integrationId: writer.integrationId }));
      }
      for (const { url } of replicas) {
        for (const { token } of issued) {
          await waitFor(async () => (await answer(url, token)).status === 200, {
            timeoutMs: TIMEOUT_MS,
            message: `${url} to accept a new token`,
          });
        }
      }
      const byReplica = replicas.map(() => []);
      for (const { token, tokenId, integrationId } of issued) {
        await admin.revokeToken(integrationId, tokenId);
        const revokedAt = performance.now();
        const refusedAt = await Promise.all(replicas.map(({ url }) => pollUntilRevoked(url, token)));
        refusedAt.forEach((at, i) => byReplica[i].push(at - revokedAt));
      }
      return byReplica;
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
        rows.push([phase, replicas[i].name, s.n, fmt(s.p50), fmt(s.p99), fmt(s.max)]);
      });
      rows.push([phase, 'all', all.n, fmt(all.p50), fmt(all.p99), fmt(all.max)]);
    }
    out(table(['phase', 'replica', 'n', 'p50', 'p99', 'max'], rows, { left: [0, 1] }));
    out(
      `   load during the loaded phase: ${fmt(reads.rps, 0)} reads/s through the edge ` +
        `(p50 ${fmt(reads.p50, 2)} ms, p99 ${fmt(reads.p99, 2)} ms, ${reads.latencies.length} reads, all 200)`,
    );
    const loadedAll = overall[`${CLIENTS} clients reading`];
    out(
      `   idle p99 ${fmt(overall.idle.p99)} ms ${verdict(overall.idle.p99, TARGETS.idleP99, { atLeast: false, unit: ' ms' })}`,
    );
    out(
      `   under load p50 ${fmt(loadedAll.p50)} ms, max ${fmt(loadedAll.max)} ms ` +
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
