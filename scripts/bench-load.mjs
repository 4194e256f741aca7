// What the benchmarks share: the load generator (`connections` concurrent loops of HTTP GETs or of
// MongoDB driver reads, in a worker thread so that the measuring process's own work does not slow the
// load down), percentiles, a loopback HTTP server for in-process apps, the stack a benchmark measures
// through the edge, and the lines every benchmark prints about the machine.
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/**
 * A request maker for `connections` HTTP loops (GET, or `method` with a JSON `body`), cycling through
 * `urls`; or through `requests`, each `{url, method, headers, body?}` sent exactly as given.
 */
function httpRequests({ urls, authorization, connections, method = 'GET', body, requests }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const shapes = (
    requests ??
    urls.map((url) => ({
      url,
      method,
      body,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    }))
  ).map((shape) => ({
    ...shape,
    target: new URL(shape.url),
    headers: {
      ...shape.headers,
      ...(shape.body === undefined ? {} : { 'content-length': Buffer.byteLength(shape.body) }),
    },
  }));
  let next = 0;
  const request = () =>
    new Promise((resolve, reject) => {
      const { target, method: verb = 'GET', headers, body: payload } = shapes[next];
      next = (next + 1) % shapes.length;
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: verb,
          agent,
          headers,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { request, close: async () => agent.destroy() };
}

/**
 * A request maker for `connections` loops of one driver read, cycling through `filters`: `findOne`, or
 * `find` with `sort` and `limit` (and `countDocuments` of the same filter beside it when `count`).
 * Status `found` or `empty`, so that a bench can check it reads what the service reads.
 */
async function mongoRequests({ mongo, connections }) {
  const { MongoClient } = await import('mongodb');
  const client = await MongoClient.connect(mongo.url, { maxPoolSize: connections });
  const collection = client.db(mongo.db).collection(mongo.collection);
  let next = 0;
  const request = async () => {
    const filter = mongo.filters[next];
    next = (next + 1) % mongo.filters.length;
    if (mongo.op === 'findOne') return (await collection.findOne(filter)) === null ? 'empty' : 'found';
    const [items] = await Promise.all([
      collection.find(filter).sort(mongo.sort).limit(mongo.limit).toArray(),
      mongo.count ? collection.countDocuments(filter) : undefined,
    ]);
    return items.length === 0 ? 'empty' : 'found';
  };
  return { request, close: () => client.close() };
}

/**
 * `connections` loops of one request after another for `warmupMs`, then `durationMs` measured. Returns
 * the latencies (ms) and status counts of the measured requests and the measured time.
 */
async function generateLoad(options, control = { stopAt: Number.POSITIVE_INFINITY }) {
  const { connections, warmupMs, durationMs, paceMs = 0 } = options;
  const maker =
    options.mongo !== undefined
      ? await mongoRequests(options)
      : httpRequests({ ...options, urls: options.urls ?? [options.url] });
  const begin = performance.now();
  const measureFrom = begin + warmupMs;
  const measureUntil = measureFrom + durationMs;
  const latencies = [];
  const statuses = {};
  const loop = async () => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= measureUntil || sentAt >= control.stopAt) return;
      const status = await maker.request();
      if (sentAt >= measureFrom) {
        latencies.push(performance.now() - sentAt);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      const idle = sentAt + paceMs - performance.now();
      if (idle > 0) await new Promise((resolve) => setTimeout(resolve, idle));
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsedMs = performance.now() - measureFrom;
  await maker.close();
  return { latencies, statuses, elapsedMs };
}

/**
 * Runs {@link generateLoad} in a worker thread and summarizes it. Options: `connections`, `warmupMs`,
 * `durationMs` (may be Infinity), `paceMs` (each connection starts a request at most once per `paceMs`;
 * default 0, one right after the other), and either HTTP requests (`url` or `urls`, `authorization?`,
 * `method?`, `body?`: a string sent as JSON; or `requests`, see {@link httpRequests}) or driver reads
 * (`mongo: {url, db?, collection, op: 'findOne' | 'find', filters, sort?, limit?, count?}`).
 * Resolves to `{latencies, statuses, elapsedMs, rps, p50, p99}`; its `stop()` ends the load early.
 */
export function runLoad(options) {
  let worker;
  const result = new Promise((resolve, reject) => {
    worker = new Worker(new URL(import.meta.url), { workerData: { benchLoad: options } });
    worker.once('message', (load) => {
      const { p50, p99 } = summarize(load.latencies);
      resolve({ ...load, rps: load.latencies.length / (load.elapsedMs / 1000), p50, p99 });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
  return Object.assign(result, { stop: () => worker.postMessage('stop') });
}

/** Throws unless every status of a {@link runLoad} result is one of `expected`. */
export function expectStatuses(name, result, expected) {
  const bad = Object.keys(result.statuses).filter((status) => !expected.includes(status));
  if (bad.length > 0) throw new Error(`${name} answered ${JSON.stringify(result.statuses)}`);
}

/** The p-th percentile (0..100) of ascending `sorted` values; NaN when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `{n, p50, p99, max}` of `values` (any order); NaN where empty. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** A number with `digits` decimals, `n/a` when not finite. */
export function fmt(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** `met (>= 0.5)` or `MISSED (target >= 0.5)`; `atLeast` false means the target is an upper bound. */
export function verdict(value, target, { atLeast = true, unit = '' } = {}) {
  const bound = `${atLeast ? '>=' : '<='} ${target}${unit}`;
  const met = Number.isFinite(value) && (atLeast ? value >= target : value <= target);
  return met ? `met (${bound})` : `MISSED (target ${bound})`;
}

/** Rows of cells as aligned columns, indented: the columns in `left` left-aligned, the rest right-aligned. */
export function table(header, rows, { left = [0], indent = '   ' } = {}) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row) =>
    row.map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return cells.map((row) => `${indent}${line(row)}`.trimEnd()).join('\n');
}

/** One line on where the figures come from: cores, node, load average, the MongoDB server's version. */
export async function describeMachine(mongoUrl) {
  let server = 'unknown';
  if (mongoUrl) {
    const { MongoClient } = await import('mongodb');
    const client = await MongoClient.connect(mongoUrl);
    try {
      const info = await client.db('admin').command({ buildInfo: 1 });
      // MongoDB's own builds name their commit; the local server only claims a version.
      server = info.gitVersion
        ? `MongoDB ${info.version} (${info.gitVersion.slice(0, 10)})`
        : `claiming version ${info.version}, not a MongoDB build (no gitVersion)`;
    } finally {
      await client.close();
    }
  }
  return (
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ` +
    `load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(
        ' / ',
      )} at start; MongoDB protocol server: ${server}; other work may share the machine, so absolute ` +
    'figures vary between runs, the ratios measured back to back are what counts'
  );
}

/**
 * The measured time and the warm-up of one load run, in ms: BENCH_DURATION_S (or BENCH_DURATION_MS) and
 * BENCH_WARMUP_S, else the given defaults in seconds.
 */
export function loadTimes(durationS, warmupS = 2) {
  const env = process.env;
  const durationMs =
    env.BENCH_DURATION_S !== undefined
      ? Number(env.BENCH_DURATION_S) * 1000
      : Number(env.BENCH_DURATION_MS ?? durationS * 1000);
  return { durationMs, warmupMs: Number(env.BENCH_WARMUP_S ?? warmupS) * 1000 };
}

/** A comma-separated list of numbers from the environment variable `name`, else `fallback`. */
export function envNumbers(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value.split(',').map(Number);
}

/** Replicas of every service of {@link startBenchStack} behind the edge: BENCH_REPLICAS, default 2. */
export const BENCH_REPLICAS = Number(process.env.BENCH_REPLICAS ?? 2);

/**
 * testkit's startStack (auth-service and `apps` as real processes behind a private nginx edge) with
 * BENCH_REPLICAS replicas of every service, balanced by the edge. Returns the stack and
 * `replicasOf(name)`, the processes of one service behind the edge. A testkit without the `replicas`
 * option runs one of each (said on stderr); fewer replicas than asked for otherwise is an error.
 */
export async function startBenchStack(label, apps, options = {}) {
  const { startStack } = await import('../packages/testkit/dist/index.js');
  const stack = await startStack(label, { ...options, apps, replicas: BENCH_REPLICAS });
  const replicasOf = (name) =>
    stack.replicas?.[name] ?? [name === 'auth-service' ? stack.auth : stack.apps[name]];
  if (stack.replicas === undefined && BENCH_REPLICAS > 1) {
    process.stderr.write(`startStack has no replicas option here: measuring one replica per service\n`);
  } else {
    const short = ['auth-service', ...Object.keys(apps)].find(
      (name) => replicasOf(name).length !== BENCH_REPLICAS,
    );
    if (short !== undefined) {
      await stack.close();
      throw new Error(
        `startStack ran ${replicasOf(short).length} replica(s) of ${short}, not ${BENCH_REPLICAS}`,
      );
    }
  }
  return { stack, replicasOf };
}

/** Serves `app` on a free loopback port: `{url, close()}`; close ends keep-alive connections too. */
export function listen(app) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 60_000;
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

if (!isMainThread && workerData?.benchLoad !== undefined) {
  const control = { stopAt: Number.POSITIVE_INFINITY };
  parentPort.on('message', (message) => {
    if (message === 'stop') control.stopAt = performance.now();
  });
  const load = await generateLoad(workerData.benchLoad, control);
  parentPort.postMessage(load);
  parentPort.close();
}
