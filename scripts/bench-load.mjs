// What the benchmarks share: the HTTP load generator (`connections` keep-alive loops on one URL, in a
// worker thread so that the measuring process's own work does not slow the load down), percentiles,
// and a loopback HTTP server for in-process apps.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/**
 * `connections` keep-alive loops of GET `url` for `warmupMs`, then `durationMs` measured. Returns the
 * latencies (ms) and status counts of the measured requests and the measured time.
 */
async function generateLoad({ url, authorization, connections, warmupMs, durationMs }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const request = () =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          agent,
          headers: authorization ? { authorization } : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const begin = performance.now();
  const measureFrom = begin + warmupMs;
  const measureUntil = measureFrom + durationMs;
  const latencies = [];
  const statuses = {};
  const loop = async () => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= measureUntil) return;
      const { status, ms } = await request();
      if (sentAt < measureFrom) continue;
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsedMs = performance.now() - measureFrom;
  agent.destroy();
  return { latencies, statuses, elapsedMs };
}

/**
 * Runs {@link generateLoad} in a worker thread:
 * `{url, authorization?, connections, warmupMs, durationMs}` → `{latencies, statuses, elapsedMs}`.
 */
export function runLoad(options) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { benchLoad: options } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
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
  parentPort.postMessage(await generateLoad(workerData.benchLoad));
}
