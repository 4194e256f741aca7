// Token authentication cost and revocation propagation, measured in one run against a real auth-service.
//
// 1. The same cheap route (`GET /ping` → `{ok:true}`) in four in-process apps built with service-kit's
//    createApp: (a) no auth, (b) @eudr/auth's projection (`createAuth(...).authenticate`, fed by the
//    real auth-service's topics), (c) one introspection call to auth-service per request, (d) one
//    MongoDB lookup by token hash per request in auth-service's own tokens collection. The load comes
//    from a worker thread (keep-alive HTTP, a fixed number of concurrent connections, a warm-up that is
//    not counted). Targets: b/a >= 0.95 and b/c >= 3 in throughput.
// 2. Two real suppliers-service replicas: tokens are created up front through the admin API, then each
//    is revoked and both replicas are polled back to back (one polling loop per replica) until they
//    answer TOKEN_REVOKED. Target: p99 <= 50 ms from the revoke response to the first rejection.
// 3. Projection cold start is measured by packages/auth/bench/projection.bench.mjs.
//
// Run through `npm run bench -- auth.bench` (builds the workspace, sets MONGO_URL and KAFKA_BROKERS).
// BENCH_DURATION_MS, BENCH_CONNECTIONS and BENCH_REVOCATIONS override the defaults.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { listen, runLoad, summarize } from '../../../scripts/bench-load.mjs';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = 2_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 200);
const PROPAGATION_TIMEOUT_MS = 10_000;
const READ = 'integration:suppliers:read';
const SUPPLIERS_LIST = '/api/v1/integration/suppliers?limit=1';

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  // Imported here so the load worker loads none of this.
  const { MongoClient } = await import('mongodb');
  const { createAuth, createIntrospectionClient, hashToken, parseAuthorizationHeader, evaluateTokenState } =
    await import('../../../packages/auth/dist/index.js');
  const { createApp, createLogger } = await import('../../../packages/service-kit/dist/index.js');
  const { createKafka, createProducer } = await import('../../../packages/events/dist/index.js');
  const { createAdminClient, createTestScope, mintAdminJwt, startAppProcess, waitFor, withDatabase } =
    await import('../../../packages/testkit/dist/index.js');

  const cleanups = [];
  const processes = [];
  let failed = false;
  let dropDatabases = async () => {};
  try {
    const scope = await createTestScope('bench_auth');
    const adminSecret = randomBytes(32).toString('hex');
    const serviceKey = randomBytes(32).toString('hex');
    const databases = { auth: `${scope.dbName}_auth`, suppliers: `${scope.dbName}_suppliers` };
    dropDatabases = async () => {
      const client = await MongoClient.connect(scope.baseMongoUrl);
      try {
        for (const db of Object.values(databases)) await client.db(db).dropDatabase();
      } finally {
        await client.close();
      }
      await scope.cleanup();
    };
    const common = {
      KAFKA_BROKERS: scope.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: scope.topicPrefix,
      INTERNAL_SERVICE_KEY: serviceKey,
      // Request logs would be a cost of every variant that has nothing to do with authentication.
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '5000',
      // No rate limiting: it would answer this load, and the polling of revoked tokens (failed
      // authentications, limited per address), with 429s. Its cost is measured by
      // packages/auth/bench/rate-limit.bench.mjs.
      REDIS_URL: '',
    };
    const authService = await startAppProcess('auth-service', {
      ...common,
      MONGO_URL: withDatabase(scope.baseMongoUrl, databases.auth),
      ADMIN_JWT_SECRET: adminSecret,
    });
    processes.push(authService);
    const startReplica = async () => {
      const replica = await startAppProcess('suppliers-service', {
        ...common,
        MONGO_URL: withDatabase(scope.baseMongoUrl, databases.suppliers),
        AUTH_SERVICE_URL: authService.url,
      });
      processes.push(replica);
      return replica;
    };
    const replicas = [
      { name: 'replica A', app: await startReplica() },
      { name: 'replica B', app: await startReplica() },
    ];
    const admin = createAdminClient(
      authService.url,
      await mintAdminJwt({ secret: adminSecret, org: 'org_bench' }),
    );
    const integration = await admin.createIntegration({ name: 'ERP bench' });
    const benchToken = (await admin.createToken(integration.id, { name: 'bench', scopes: [READ] })).token;
    const authorization = `Bearer ${benchToken}`;

    const load = os.loadavg().map((v) => v.toFixed(2));
    out(
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ` +
        `load average ${load.join(' / ')} at start; other work may be running on it, so absolute figures ` +
        'vary between runs, the ratios measured back to back are what counts',
    );
    out(
      `processes: auth-service + 2 suppliers-service replicas (real, own processes), the 4 apps below ` +
        'in this process, the load generator in a worker thread; MongoDB protocol server: FerretDB',
    );

    // ---- 1. four variants of one route ----
    const logger = createLogger({ service: 'auth-bench', level: 'error' });
    const kafka = createKafka({
      brokers: scope.kafkaBrokers,
      clientId: 'auth-bench',
      topicPrefix: scope.topicPrefix,
      logger,
    });
    const producer = createProducer(kafka);
    await producer.connect();
    cleanups.unshift(() => producer.disconnect());
    const auth = createAuth({
      kafka,
      producer,
      logger,
      introspection: { url: authService.url, serviceKey },
      maxStalenessMs: 30_000,
      usage: { source: `auth-bench@${process.pid}` },
    });
    await auth.start();
    cleanups.unshift(() => auth.stop());
    await waitFor(() => auth.isReady(), { timeoutMs: 30_000, message: 'the projection to catch up' });

    const introspect = createIntrospectionClient({ url: authService.url, serviceKey });
    const mongo = await MongoClient.connect(withDatabase(scope.baseMongoUrl, databases.auth));
    cleanups.unshift(() => mongo.close());
    const tokens = mongo.db(databases.auth).collection('tokens');
    const integrations = mongo.db(databases.auth).collection('integrations');

    const reject = (res, code) => res.status(401).json({ error: code, message: 'rejected' });
    const ok = (_req, res) => {
      res.json({ ok: true });
    };
    // (c) and (d) run the same checks as the projection (format, checksum, hash, state); only where
    // the state comes from differs.
    const perRequest = (lookup) => async (req, res, next) => {
      const parsed = parseAuthorizationHeader(req.headers.authorization);
      if (!parsed.ok) return reject(res, parsed.code);
      const found = await lookup(hashToken(parsed.token));
      if (found === null) return reject(res, 'INVALID_TOKEN');
      const check = evaluateTokenState(found.token, found.integrationStatus, Date.now());
      if (!check.ok) return reject(res, check.code);
      next();
    };
    const viaIntrospection = perRequest(async (hash) => {
      const answer = await introspect(hash);
      return answer.known ? { token: answer.token, integrationStatus: answer.integration?.status } : null;
    });
    const viaMongo = perRequest(async (hash) => {
      const record = await tokens.findOne({ tokenHash: hash });
      if (record === null) return null;
      // The integration's status is one more lookup, as introspection does it.
      const owner = await integrations.findOne({ _id: record.integrationId });
      return {
        token: {
          ...record,
          expiresAt: record.expiresAt?.toISOString() ?? null,
          revokedAt: record.revokedAt?.toISOString() ?? null,
        },
        integrationStatus: owner?.status,
      };
    });
    const variants = [
      { key: 'a', name: 'no auth', handlers: [] },
      { key: 'b', name: 'projection (createAuth)', handlers: [auth.authenticate] },
      { key: 'c', name: 'introspection per request', handlers: [viaIntrospection] },
      { key: 'd', name: 'MongoDB lookup per request', handlers: [viaMongo] },
    ];
    for (const variant of variants) {
      const app = createApp({
        service: `auth-bench-${variant.key}`,
        logger,
        routes: (router) => router.get('/ping', ...variant.handlers, ok),
      });
      variant.server = await listen(app);
      cleanups.unshift(() => variant.server.close());
      // Every variant must accept the token and every authenticating one must refuse a wrong one.
      const good = await fetch(`${variant.server.url}/ping`, { headers: { authorization } });
      if (good.status !== 200) throw new Error(`(${variant.key}) answered ${good.status} to the bench token`);
      if (variant.key !== 'a') {
        const wrong = await fetch(`${variant.server.url}/ping`, {
          headers: { authorization: `Bearer eudr_live_${'0'.repeat(48)}` },
        });
        if (wrong.status !== 401)
          throw new Error(`(${variant.key}) answered ${wrong.status} to a wrong token`);
      }
    }
    // a and b are measured once more in reverse order, so drift in the machine's load during the run
    // (warm-up, other work) weighs on both alike.
    const schedule = [...variants, variants[1], variants[0]];
    for (const variant of variants) Object.assign(variant, { latencies: [], elapsedMs: 0 });
    for (const variant of schedule) {
      const result = await runLoad({
        url: `${variant.server.url}/ping`,
        authorization,
        connections: CONNECTIONS,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
      });
      const failures = Object.entries(result.statuses)
        .filter(([status]) => status !== '200')
        .reduce((sum, [, count]) => sum + count, 0);
      if (failures > 0) throw new Error(`(${variant.key}) had ${failures} non-200 answers`);
      variant.latencies = variant.latencies.concat(result.latencies);
      variant.elapsedMs += result.elapsedMs;
    }
    for (const variant of variants) {
      variant.rps = variant.latencies.length / (variant.elapsedMs / 1000);
      variant.latency = summarize(variant.latencies);
    }

    // ---- 2. revocation propagation to two replicas ----
    const issued = [];
    for (let i = 0; i < REVOCATIONS; i += 1) {
      const created = await admin.createToken(integration.id, { name: `revocation ${i}`, scopes: [READ] });
      issued.push(created);
    }
    const get = async (url, token) => {
      const response = await fetch(`${url}${SUPPLIERS_LIST}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await response.json().catch(() => null);
      return { status: response.status, error: body?.error, at: performance.now() };
    };
    for (const { app } of replicas) {
      for (const created of issued) {
        await waitFor(async () => (await get(app.url, created.token)).status === 200, {
          timeoutMs: PROPAGATION_TIMEOUT_MS,
          message: `${app.url} to accept a new token`,
        });
      }
    }
    const pollUntilRevoked = async (url, token) => {
      const deadline = performance.now() + PROPAGATION_TIMEOUT_MS;
      for (;;) {
        const result = await get(url, token);
        if (result.status !== 200) {
          if (result.status !== 401 || result.error !== 'TOKEN_REVOKED') {
            throw new Error(`${url} answered ${result.status} ${result.error} instead of TOKEN_REVOKED`);
          }
          return result.at;
        }
        if (performance.now() > deadline) throw new Error(`${url} still accepts a token revoked long ago`);
      }
    };
    const propagation = Object.fromEntries(replicas.map((r) => [r.name, []]));
    for (const created of issued) {
      await admin.revokeToken(integration.id, created.id);
      const revokedAt = performance.now();
      const rejectedAt = await Promise.all(
        replicas.map(({ app }) => pollUntilRevoked(app.url, created.token)),
      );
      replicas.forEach((replica, i) => propagation[replica.name].push(rejectedAt[i] - revokedAt));
    }

    // ---- report ----
    const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
    const [a, b, c, d] = variants;
    out();
    out(
      `1. GET /ping, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s per run after ${WARMUP_MS / 1000} s of warm-up; ` +
        'order a b c d b a (a and b: two runs pooled)',
    );
    out('   variant                          req/s    p50 ms   p99 ms   requests');
    for (const v of variants) {
      out(
        `   (${v.key}) ${v.name.padEnd(28)} ${fmt(v.rps, 0).padStart(7)} ${fmt(v.latency.p50).padStart(9)} ` +
          `${fmt(v.latency.p99).padStart(8)} ${String(v.latency.n).padStart(10)}`,
      );
    }
    const ratio = (x, y) => x.rps / y.rps;
    const verdict = (value, target) =>
      value >= target ? `met (>= ${target})` : `MISSED (target >= ${target})`;
    out(`   b/a ${fmt(ratio(b, a))}  ${verdict(ratio(b, a), 0.95)}`);
    out(`   b/c ${fmt(ratio(b, c))}  ${verdict(ratio(b, c), 3)}`);
    out(`   b/d ${fmt(ratio(b, d))}`);
    out();
    out(
      `2. revocation → first TOKEN_REVOKED, ms from the revoke response (${REVOCATIONS} revocations, ` +
        'each replica polled back to back with GET /suppliers?limit=1)',
    );
    out('   replica           n     p50     p99     max');
    const rows = [
      ...replicas.map((r) => [r.name, propagation[r.name]]),
      ['overall', Object.values(propagation).flat()],
    ];
    let overallP99 = Number.NaN;
    for (const [name, values] of rows) {
      const s = summarize(values);
      if (name === 'overall') overallP99 = s.p99;
      out(
        `   ${name.padEnd(12)} ${String(s.n).padStart(6)} ${fmt(s.p50, 1).padStart(7)} ${fmt(s.p99, 1).padStart(7)} ` +
          `${fmt(s.max, 1).padStart(7)}`,
      );
    }
    out(
      `   p99 ${fmt(overallP99, 1)} ms  ${overallP99 <= 50 ? 'met (<= 50 ms)' : 'MISSED (target <= 50 ms)'}`,
    );
    out();
    out(
      '3. projection cold start (100,000 tokens, target <= 5 s): see packages/auth/bench/projection.bench.mjs ' +
        '(`npm run bench -- projection`)',
    );
  } catch (error) {
    failed = true;
    process.stderr.write(`auth bench failed: ${error?.stack ?? error}\n`);
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error) => process.stderr.write(`cleanup failed: ${error?.message ?? error}\n`));
    }
    // Replicas first, so none of them falls back to an auth-service that is already gone.
    for (const app of [...processes].reverse()) {
      await app
        .stop()
        .catch((error) => process.stderr.write(`stopping ${app.name} failed: ${error?.message}\n`));
    }
    await dropDatabases().catch((error) =>
      process.stderr.write(`dropping the databases failed: ${error?.message}\n`),
    );
  }
  if (failed) process.exitCode = 1;
}

await main();
