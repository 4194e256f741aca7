// Token projection cold start: 100,000 token states on auth.tokens (plus their integrations), then a
// fresh projection is timed from start() to caught up, with the heap it holds. Target: <= 5 s.
//
// Run through `npm run bench -- projection` (builds the workspace and sets KAFKA_BROKERS), or directly
// with KAFKA_BROKERS=host:port after a build. Topics get a fresh prefix per run (`bench.auth.<id>.`),
// so every run measures a topic holding exactly what it produced.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  TOPICS,
  TOPIC_SPECS,
  createKafka,
  createProducer,
  createStateSigner,
  createStateVerifier,
  ensureTopics,
  parsePublicKeys,
  publicKeyEntry,
} from '@eudr/events';
import { createLogger } from '@eudr/service-kit';
import { createTokenProjection } from '../dist/index.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 100_000);
const INTEGRATIONS = 1_000;
const BATCH = 2_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 5_000;

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('KAFKA_BROKERS is not set; run this through `npm run bench -- projection`.');
  process.exit(1);
}

// Heap figures are only meaningful after a full collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const collect = () => {
  gc();
  gc();
  return process.memoryUsage();
};
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

const logger = createLogger({ service: 'auth-projection-bench', level: process.env.LOG_LEVEL ?? 'warn' });
const runId = randomBytes(4).toString('hex');
const kafka = createKafka({
  brokers,
  clientId: 'auth-projection-bench',
  topicPrefix: `bench.auth.${runId}.`,
  logger,
});

function tokenState(i) {
  const integration = i % INTEGRATIONS;
  return {
    tokenId: `tok_${runId}_${i}`,
    tokenHash: randomBytes(32).toString('hex'),
    orgId: `org_${integration}`,
    integrationId: `int_${integration}`,
    name: `ERP connector ${i}`,
    scopes: ['integration:suppliers:read', 'integration:suppliers:write', 'integration:batches:write'],
    expiresAt: i % 4 === 0 ? new Date(Date.now() + 365 * 86_400_000).toISOString() : null,
    revokedAt: i % 10 === 0 ? new Date().toISOString() : null,
    createdAt: new Date().toISOString(),
    version: 1,
  };
}

await ensureTopics(kafka, [TOPIC_SPECS[TOPICS.authTokens], TOPIC_SPECS[TOPICS.authIntegrations]]);
// Signed like auth-service's states, and checked like a resource replica checks them.
const stateKey = generateKeyPairSync('ed25519').privateKey;
const verifier = createStateVerifier(parsePublicKeys(publicKeyEntry('bench', stateKey)));
const producer = createProducer(kafka, {
  signer: createStateSigner({ keyId: 'bench', privateKey: stateKey }),
});
await producer.connect();

const produceStart = performance.now();
await producer.publish(
  TOPICS.authIntegrations,
  Array.from({ length: INTEGRATIONS }, (_, i) => ({
    key: `int_${i}`,
    value: { integrationId: `int_${i}`, orgId: `org_${i}`, status: 'ACTIVE', version: 1 },
  })),
);
const sampleHashes = [];
let sampleBytes = 0;
for (let start = 0; start < TOKENS; start += BATCH) {
  const states = Array.from({ length: Math.min(BATCH, TOKENS - start) }, (_, k) => tokenState(start + k));
  if (start === 0) sampleBytes = Buffer.byteLength(JSON.stringify(states[1]));
  sampleHashes.push(states[0].tokenHash);
  await producer.publish(
    TOPICS.authTokens,
    states.map((value) => ({ key: value.tokenId, value })),
  );
}
const produceMs = performance.now() - produceStart;
await producer.disconnect();

// A stopped consumer's last fetch and timers keep its projection reachable for a moment; wait for the
// heap to come back near the baseline so that each run's "before" is clean.
async function settle(baseline) {
  const deadline = Date.now() + 10_000;
  while (collect().heapUsed > baseline + 8 * 1024 * 1024 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const baseline = collect().heapUsed;
const runs = [];
for (let run = 1; run <= RUNS; run++) {
  await settle(baseline);
  const before = collect();
  const projection = createTokenProjection({ kafka, logger, verifier, name: `projection-bench-${run}` });
  const t0 = performance.now();
  await projection.start();
  const subscribedMs = performance.now() - t0;
  await projection.whenCaughtUp();
  const caughtUpMs = performance.now() - t0;
  const after = collect();
  const size = projection.size();
  const missing = sampleHashes.filter((hash) => projection.findByHash(hash) === undefined).length;
  if (size.tokens !== TOKENS || size.integrations !== INTEGRATIONS || missing > 0) {
    console.error(`run ${run}: projection holds ${JSON.stringify(size)}, ${missing} sample hashes missing`);
    process.exit(1);
  }

  // The hit path's lookup cost: token by hash, then its integration.
  const lookups = 1_000_000;
  const l0 = performance.now();
  let found = 0;
  for (let i = 0; i < lookups; i++) {
    const state = projection.findByHash(sampleHashes[i % sampleHashes.length]);
    if (state && projection.integrationStatus(state.integrationId)) found += 1;
  }
  const lookupNs = ((performance.now() - l0) * 1e6) / lookups;

  runs.push({
    run,
    subscribedMs,
    caughtUpMs,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    rssAfter: after.rss,
    lookupNs,
    found,
  });
  await projection.stop();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = runs.map((r) => ({
  run: r.run,
  'start() resolved (ms)': r.subscribedMs.toFixed(0),
  'caught up (ms)': r.caughtUpMs.toFixed(0),
  'tokens/s': Math.round(TOKENS / (r.caughtUpMs / 1000)).toLocaleString('en'),
  'heap before (MB)': mb(r.heapBefore),
  'heap after (MB)': mb(r.heapAfter),
  'held (MB)': mb(r.heapAfter - r.heapBefore),
  'bytes/token': Math.round((r.heapAfter - r.heapBefore) / TOKENS),
  'rss (MB)': mb(r.rssAfter),
  'lookup (ns)': r.lookupNs.toFixed(0),
}));

console.log(
  `\nToken projection cold start: ${TOKENS.toLocaleString('en')} token states (~${sampleBytes} B of JSON each) ` +
    `and ${INTEGRATIONS.toLocaleString('en')} integrations, 3 partitions each; produced in ${(produceMs / 1000).toFixed(1)} s.`,
);
console.table(rows);
const coldStart = median(runs.map((r) => r.caughtUpMs));
const held = median(runs.map((r) => r.heapAfter - r.heapBefore));
console.log(
  `median: caught up in ${coldStart.toFixed(0)} ms (target <= ${TARGET_MS} ms: ${coldStart <= TARGET_MS ? 'met' : 'MISSED'}), ` +
    `${mb(held)} MB held, ${Math.round(held / TOKENS)} B per token.`,
);
process.exit(0);
