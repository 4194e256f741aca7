#!/usr/bin/env node
// Readiness probe for the local launchers: a server is ready when a real request succeeds, not when its
// port accepts connections (Kafka and the MongoDB-protocol server open their ports before they can serve).
//
//   node infra/local/probe.mjs kafka 127.0.0.1:9092 [--timeout-ms N] [--pid P]
//   node infra/local/probe.mjs mongo 127.0.0.1:27017 [--timeout-ms N] [--pid P]
//   node infra/local/probe.mjs redis 127.0.0.1:6379 [--timeout-ms N] [--pid P]
//   node infra/local/probe.mjs http http://127.0.0.1:8080/healthz [--expect TEXT] [--timeout-ms N] [--pid P]
//
// Without --timeout-ms it makes one attempt. With it, it retries until the deadline. With --pid it gives
// up at once when that process has exited. Exit codes: 0 ready (one line on stdout says what answered),
// 1 not ready in time, 2 the process exited, 64 bad usage.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));

const ATTEMPT_TIMEOUT_MS = 2000;
const RETRY_PAUSE_MS = 150;

function usage(message) {
  process.stderr.write(
    `probe: ${message}\nusage: probe.mjs kafka|mongo|redis|http <target> [--timeout-ms N] [--pid P] [--expect TEXT]\n`,
  );
  process.exit(64);
}

function parseArgs(argv) {
  const [kind, target, ...rest] = argv;
  if (!kind || !target) usage('kind and target are required');
  const options = { kind, target, timeoutMs: 0, pid: 0, expect: '' };
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) usage(`missing value for ${rest[i]}`);
    if (rest[i] === '--timeout-ms') options.timeoutMs = Number(value);
    else if (rest[i] === '--pid') options.pid = Number(value);
    else if (rest[i] === '--expect') options.expect = value;
    else usage(`unknown option ${rest[i]}`);
  }
  return options;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function probeKafka(address) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'eudr-probe',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: ATTEMPT_TIMEOUT_MS,
    retry: { retries: 0 },
    // A broker started by kafka.sh with a SASL user (tests of the SASL path) is probed as that user.
    ...(process.env.KAFKA_LOCAL_SASL_USER
      ? {
          sasl: {
            mechanism: 'plain',
            username: process.env.KAFKA_LOCAL_SASL_USER,
            password: process.env.KAFKA_LOCAL_SASL_PASSWORD ?? '',
          },
        }
      : {}),
  });
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), ATTEMPT_TIMEOUT_MS, 'Kafka connect');
    const cluster = await withTimeout(admin.describeCluster(), ATTEMPT_TIMEOUT_MS, 'Kafka describeCluster');
    return `kafka cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function probeMongo(address) {
  const { MongoClient } = require('mongodb');
  const url = address.startsWith('mongodb://') ? address : `mongodb://${address}/`;
  const client = new MongoClient(url, {
    directConnection: true,
    serverSelectionTimeoutMS: ATTEMPT_TIMEOUT_MS,
    connectTimeoutMS: 1000,
    socketTimeoutMS: ATTEMPT_TIMEOUT_MS,
  });
  try {
    await client.connect();
    const admin = client.db('admin');
    await admin.command({ ping: 1 });
    const info = await admin.command({ buildInfo: 1 });
    return `MongoDB ${info.version} protocol`;
  } finally {
    await client.close().catch(() => {});
  }
}

// Plain RESP over a socket, so the probe needs no Redis client: PING must answer +PONG (a server still
// loading its dataset answers -LOADING instead), then INFO server names the version.
function probeRedis(address) {
  const [host, port] = address
    .replace(/^redis:\/\//, '')
    .replace(/\/.*$/, '')
    .split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    let received = '';
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(ATTEMPT_TIMEOUT_MS, () => fail(new Error('Redis PING timed out')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n'));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const firstLine = received.indexOf('\r\n');
      if (firstLine < 0) return;
      const reply = received.slice(0, firstLine);
      if (reply !== '+PONG') return fail(new Error(`Redis answered PING with ${reply.slice(0, 100)}`));
      const rest = received.slice(firstLine + 2);
      if (rest.startsWith('-')) return fail(new Error(`Redis answered INFO with ${rest.slice(0, 100)}`));
      const info = /^\$(\d+)\r\n/.exec(rest);
      if (!info) return;
      const body = rest.slice(info[0].length);
      if (Buffer.byteLength(body, 'latin1') < Number(info[1])) return;
      socket.end();
      const version = /redis_version:([^\r\n]+)/.exec(body)?.[1] ?? 'unknown version';
      resolve(`Redis ${version}`);
    });
  });
}

async function probeHttp(url, expect) {
  const response = await fetch(url, { signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  if (expect && !body.includes(expect)) throw new Error(`GET ${url} does not contain ${expect}`);
  return body.trim();
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  // An exited process that nobody has reaped yet (a zombie) still accepts signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function attempt(options) {
  if (options.kind === 'kafka') return probeKafka(options.target);
  if (options.kind === 'mongo') return probeMongo(options.target);
  if (options.kind === 'redis') return probeRedis(options.target);
  if (options.kind === 'http') return probeHttp(options.target, options.expect);
  return usage(`unknown kind ${options.kind}`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const deadline = Date.now() + options.timeoutMs;
  let lastError;
  for (;;) {
    if (options.pid && !processAlive(options.pid)) return 2;
    try {
      process.stdout.write(`${await attempt(options)}\n`);
      return 0;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
  process.stderr.write(
    `probe: ${options.kind} ${options.target} not ready: ${lastError?.message ?? lastError}\n`,
  );
  return 1;
}

process.exitCode = await main();
