// Token authentication cost, measured in one run against a real auth-service.
//
// 1. The same cheap route (`GET /ping` → `{ok:true}`) in four in-process apps built with service-kit's
//    createApp: (a) no auth, (b) @eudr/auth's projection (`createAuth(...).authenticate`, fed by the
//    real auth-service's topics), (c) one introspection call to auth-service per request, (d) one
//    MongoDB lookup by token hash per request in auth-service's own tokens collection. The load comes
//    from a worker thread (keep-alive HTTP, a fixed number of concurrent connections, a warm-up that is
//    not counted). Targets: b/a >= 0.95 and b/c >= 3 in throughput.
// 2. Revocation propagation is measured by packages/auth/bench/revocation.bench.mjs, projection cold
//    start by packages/auth/bench/projection.bench.mjs.
//
// Run through `npm run bench -- auth` (builds the workspace, sets MONGO_URL and KAFKA_BROKERS).
// BENCH_DURATION_S (or BENCH_DURATION_MS), BENCH_WARMUP_S and BENCH_CONNECTIONS override the defaults.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  describeMachine,
  fmt,
  listen,
  loadTimes,
  runLoad,
  summarize,
  verdict,
} from '../../../scripts/bench-load.mjs';

const { durationMs: DURATION_MS, warmupMs: WARMUP_MS } = loadTimes(10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const READ = 'integration:suppliers:read';

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  // Imported here so the load worker loads none of this.
  const { MongoClient } = await import('mongodb');
  const { createAuth, createIntrospectionClient, hashToken, parseAuthorizationHeader, evaluateTokenState } =
    await import('../../../packages/auth/dist/index.js');
  const { createApp, createLogger } = await import('../../../packages/service-kit/dist/index.js');
  const { createKafka, createProducer, createStateVerifier, parsePublicKeys, publicKeyEntry } =
    await import('../../../packages/events/dist/index.js');
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
    // auth-service signs its states with this key; the projection below trusts its public half.
    const stateKey = generateKeyPairSync('ed25519').privateKey;
    const databases = { auth: `${scope.dbName}_auth` };
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
      // No rate limiting: it would answer this load with 429s. Its cost is measured by
      // packages/auth/bench/rate-limit.bench.mjs.
      REDIS_URL: '',
    };
    const authService = await startAppProcess('auth-service', {
      ...common,
      MONGO_URL: withDatabase(scope.baseMongoUrl, databases.auth),
      ADMIN_JWT_SECRET: adminSecret,
      AUTH_STATE_SIGNING_KEY: `bench:${stateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`,
    });
    processes.push(authService);
    const admin = createAdminClient(
      authService.url,
      await mintAdminJwt({ secret: adminSecret, org: 'org_bench' }),
    );
    const integration = await admin.createIntegration({ name: 'ERP bench' });
    const benchToken = (await admin.createToken(integration.id, { name: 'bench', scopes: [READ] })).token;
    const authorization = `Bearer ${benchToken}`;

    out(await describeMachine(scope.baseMongoUrl));
    out(
      'processes: auth-service (real, own process), the 4 apps below in this process, the load generator in a worker thread',
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
      stateVerifier: createStateVerifier(parsePublicKeys(publicKeyEntry('bench', stateKey))),
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

    // ---- report ----
    const [a, b, c, d] = variants;
    out();
    out(
      `1. GET /ping, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s per run after ${WARMUP_MS / 1000} s of warm-up; ` +
        'order a b c d b a (a and b: two runs pooled)',
    );
    out('   variant                          req/s    p50 ms   p99 ms   requests');
    for (const v of variants) {
      out(
        `   (${v.key}) ${v.name.padEnd(28)} ${fmt(v.rps, 0).padStart(7)} ${fmt(v.latency.p50, 2).padStart(9)} ` +
          `${fmt(v.latency.p99, 2).padStart(8)} ${String(v.latency.n).padStart(10)}`,
      );
    }
    const ratio = (x, y) => x.rps / y.rps;
    out(`   b/a ${fmt(ratio(b, a), 2)}  ${verdict(ratio(b, a), 0.95)}`);
    out(`   b/c ${fmt(ratio(b, c), 2)}  ${verdict(ratio(b, c), 3)}`);
    out(`   b/d ${fmt(ratio(b, d), 2)}`);
    out();
    out(
      'Revocation propagation: `npm run bench -- revocation`; projection cold start (100,000 tokens): ' +
        '`npm run bench -- projection`',
    );
  } catch (error) {
    failed = true;
    process.stderr.write(`auth bench failed: ${error?.stack ?? error}\n`);
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error) => process.stderr.write(`cleanup failed: ${error?.message ?? error}\n`));
    }
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
