// Admin API latency of auth-service: token creation and revocation (p50/p99 over 1,000 each, one
// request at a time over real HTTP), and how long after a revoke the revoked state is visible to a
// consumer of auth.tokens (what every resource replica's token projection waits for).
//
// By default it starts auth-service in this process (from dist/) against MONGO_URL / KAFKA_BROKERS,
// with its own database and topic prefix, so requests go to the service directly. With EDGE_URL set
// (e.g. http://127.0.0.1:8080, the local stack's edge) requests go through the edge to the running
// stack instead, and the consumer reads the stack's topics (KAFKA_TOPIC_PREFIX, default none).
//
//   npm run bench -- auth-admin
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TOPICS, createKafka, createStateReader } from '@eudr/events';
import { createLogger } from '@eudr/service-kit';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { percentile } from '../../../scripts/bench-load.mjs';
import { loadConfig } from '../dist/config.js';
import { startAuthService } from '../dist/service.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const WARMUP = 50;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

const mongoUrl = process.env.MONGO_URL;
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (!mongoUrl || brokers.length === 0) {
  console.error('set MONGO_URL and KAFKA_BROKERS (npm run bench does)');
  process.exit(2);
}

const edgeUrl = process.env.EDGE_URL;
const runId = randomBytes(4).toString('hex');
const logger = createLogger({ service: 'auth-service-bench', level: process.env.LOG_LEVEL ?? 'error' });

function devSecret() {
  const table = JSON.parse(readFileSync(path.join(root, 'infra', 'services.json'), 'utf8'));
  return table.apps.find((app) => app.name === 'auth-service').env.ADMIN_JWT_SECRET;
}

function withDatabase(url, db) {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

function summary(name, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return {
    name,
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean,
    max: sorted[sorted.length - 1],
  };
}

function printTable(rows) {
  const header = ['measurement', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'max ms'];
  const lines = rows.map((r) => [
    r.name,
    String(r.n),
    ...[r.p50, r.p99, r.mean, r.max].map((v) => v.toFixed(2)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(fmt(line));
}

const secret = process.env.ADMIN_JWT_SECRET || devSecret();
const topicPrefix = edgeUrl ? (process.env.KAFKA_TOPIC_PREFIX ?? '') : `bench.auth.${runId}.`;
const dbName = `bench_auth_${runId}`;

let service;
let baseUrl = edgeUrl;
if (!edgeUrl) {
  const config = loadConfig({
    ...process.env,
    PORT: '1',
    MONGO_URL: withDatabase(mongoUrl, dbName),
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    ADMIN_JWT_SECRET: secret,
    ADMIN_JWKS_URL: '',
    INTERNAL_SERVICE_KEY: process.env.INTERNAL_SERVICE_KEY || randomBytes(32).toString('hex'),
    AUTH_STATE_SIGNING_KEY:
      process.env.AUTH_STATE_SIGNING_KEY ||
      `bench:${generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`,
  });
  service = await startAuthService({ ...config, PORT: 0 }, { logger, handleSignals: false });
  baseUrl = service.url;
}

const jwt = await new SignJWT({ org: `org_bench_${runId}`, role: 'admin' })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(new Uint8Array(Buffer.from(secret, 'utf8')));

async function call(method, urlPath, body) {
  const res = await fetch(`${baseUrl}/api/v1/admin${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${jwt}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${urlPath} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

const kafka = createKafka({ brokers, clientId: `auth-bench-${runId}`, topicPrefix, logger });
const revokedSeenAt = new Map();
const reader = createStateReader(kafka, {
  name: `auth-bench-${runId}`,
  topics: [TOPICS.authTokens],
  maxWaitTimeMs: 100,
  handler: async (message) => {
    if (message.value?.revokedAt && !revokedSeenAt.has(message.value.tokenId)) {
      revokedSeenAt.set(message.value.tokenId, performance.now());
    }
  },
});

try {
  const integration = await call('POST', '/integrations', { name: `Bench ${runId}` });
  const tokenBody = { name: 'bench', scopes: ['integration:suppliers:read', 'integration:suppliers:write'] };
  for (let i = 0; i < WARMUP; i += 1) await call('POST', `/integrations/${integration.id}/tokens`, tokenBody);

  const createMs = [];
  const tokenIds = [];
  for (let i = 0; i < COUNT; i += 1) {
    const started = performance.now();
    const created = await call('POST', `/integrations/${integration.id}/tokens`, tokenBody);
    createMs.push(performance.now() - started);
    tokenIds.push(created.id);
  }

  await reader.start();
  await reader.whenCaughtUp();

  const revokeMs = [];
  const requestSentAt = new Map();
  const responseAt = new Map();
  for (const id of tokenIds) {
    const started = performance.now();
    await call('POST', `/integrations/${integration.id}/tokens/${id}/revoke`);
    const answered = performance.now();
    revokeMs.push(answered - started);
    requestSentAt.set(id, started);
    responseAt.set(id, answered);
  }

  const deadline = Date.now() + 60_000;
  while (tokenIds.some((id) => !revokedSeenAt.has(id))) {
    if (Date.now() > deadline) throw new Error('not every revoked state reached the consumer within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const fromResponse = tokenIds.map((id) => revokedSeenAt.get(id) - responseAt.get(id));
  const fromRequest = tokenIds.map((id) => revokedSeenAt.get(id) - requestSentAt.get(id));

  console.log(
    `auth-service admin API, ${COUNT} sequential requests each, ${edgeUrl ? `through the edge at ${edgeUrl}` : 'to the service directly (not through the edge; set EDGE_URL to go through it)'}`,
  );
  console.log(`MongoDB ${mongoUrl.replace(/\/\/[^@/]*@/, '//***@')}, Kafka ${brokers.join(',')}\n`);
  printTable([
    summary('POST .../tokens (create)', createMs),
    summary('POST .../tokens/:id/revoke', revokeMs),
    summary('revoke response -> state seen on auth.tokens', fromResponse),
    summary('revoke request -> state seen on auth.tokens', fromRequest),
  ]);
  console.log(
    '\nThe revoke answers after the broker acknowledged the new state (fast path), so the state is on the topic\n' +
      'before the response; "response -> seen" is the consumer fetch delay left over (negative: seen before the response arrived).',
  );
} finally {
  await reader.disconnect().catch(() => undefined);
  await service?.stop();
  if (!edgeUrl) {
    const connection = await mongoose.createConnection(withDatabase(mongoUrl, dbName)).asPromise();
    await connection.db.dropDatabase();
    await connection.close();
    const admin = new Kafka({
      clientId: `auth-bench-cleanup-${runId}`,
      brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  }
}
