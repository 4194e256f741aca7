import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp, createLogger, createMetricsRegistry } from '@eudr/service-kit';
import { createTestScope, startPrivateRedis, waitFor } from '@eudr/testkit';
import type { PrivateServer, TestScope } from '@eudr/testkit';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { setAuthContext } from '../src/auth-context';
import { createRateLimiter } from '../src/rate-limit.middleware';
import { createRedisCounter } from '../src/rate-limit.store';
import type { RateLimitCounter } from '../src/rate-limit.store';

// Real Redis: the shared one for counting, a private one for the outage.
jest.setTimeout(60_000);

const silent = createLogger({ service: 'rate-limit-int-test', level: 'silent' });
const closers: (() => Promise<void>)[] = [];
let scope: TestScope;

beforeAll(async () => {
  scope = await createTestScope('auth-rate-limit');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function startedCounter(url: string, logger = silent): Promise<RateLimitCounter> {
  const counter = createRedisCounter({ url, logger });
  await counter.start();
  closers.push(() => counter.stop());
  return counter;
}

function captureLogs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ service: 'rate-limit-int-test', level: 'info', destination }), lines };
}

describe('the Redis counter', () => {
  it('counts concurrent requests of one key exactly once each, in one window', async () => {
    const counter = await startedCounter(scope.redisUrl);
    const key = `${scope.redisKeyPrefix}concurrent`;
    const windows = await Promise.all(Array.from({ length: 200 }, () => counter.hit(key, 60_000)));
    const counts = windows.map((w) => w?.count ?? -1).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const window of windows) {
      expect(window?.ttlMs).toBeGreaterThan(55_000);
      expect(window?.ttlMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('keeps the window of the first request and starts a new one once it has expired', async () => {
    const counter = await startedCounter(scope.redisUrl);
    const key = `${scope.redisKeyPrefix}expiry`;
    const first = await counter.hit(key, 500);
    const second = await counter.hit(key, 500);
    expect(first?.count).toBe(1);
    expect(second?.count).toBe(2);
    expect(second?.ttlMs).toBeLessThanOrEqual(first?.ttlMs ?? 0);
    const fresh = await waitFor(
      async () => {
        const window = await counter.hit(key, 500);
        return window?.count === 1 ? window : null;
      },
      { timeoutMs: 5_000, intervalMs: 100, message: 'a new window after 500 ms' },
    );
    expect(fresh.ttlMs).toBeGreaterThan(0);
  });

  it('answers undefined at once, without throwing, when Redis has never been reachable', async () => {
    const { logger, lines } = captureLogs();
    const counter = createRedisCounter({ url: 'redis://127.0.0.1:1', logger });
    closers.push(() => counter.stop());
    const started = Date.now();
    await counter.start();
    expect(await counter.hit(`${scope.redisKeyPrefix}nowhere`, 60_000)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(counter.isAvailable()).toBe(false);
    expect(lines.filter((l) => l.includes('Redis is unreachable'))).toHaveLength(1);
  });
});

describe('an app rate limited in a private Redis that goes down and comes back', () => {
  let redis: PrivateServer;
  let baseUrl: string;
  let metrics: Registry;
  const logs = captureLogs();
  const LIMIT = 3;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    closers.push(() => redis.destroy());
    const counter = await startedCounter(redis.url, logs.logger);
    metrics = createMetricsRegistry({ service: 'rate-limit-int-test', defaultMetrics: false });
    const limiter = createRateLimiter({
      counter,
      limitFor: () => LIMIT,
      windowSeconds: 60,
      failureLimit: 1000,
      keyPrefix: 'outage:',
      metrics,
      logger: logs.logger,
      clock: Date.now,
    });
    // Stands in for the token check: the token id is the bearer value.
    const authenticate: RequestHandler = (req, _res, next) => {
      const tokenId = String(req.headers['authorization'] ?? '');
      setAuthContext(req, { tokenId, orgId: 'org_1', integrationId: 'int_1', scopes: [] });
      next();
    };
    const app = createApp({
      service: 'rate-limit-int-test',
      logger: silent,
      metrics,
      routes: (router) =>
        router.get('/ping', limiter.wrap(authenticate), (_req, res) => res.json({ ok: true })),
    });
    const server: Server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          // Idle keep-alive connections of fetch would otherwise hold the server (and the run) open.
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  const ping = async (token: string) => {
    const started = Date.now();
    const response = await fetch(`${baseUrl}/ping`, { headers: { authorization: token } });
    await response.arrayBuffer();
    return { status: response.status, headers: response.headers, ms: Date.now() - started };
  };

  const metricText = async () => (await fetch(`${baseUrl}/metrics`)).text();

  it('limits while Redis answers', async () => {
    const answers = [];
    for (let i = 0; i <= LIMIT; i += 1) answers.push(await ping('tok_before'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(await metricText()).toMatch(/auth_rate_limit_redis_up\{service="rate-limit-int-test"\} 1/);
  });

  it('serves every request without limiting or rate-limit headers, fast, once Redis is down, and logs the outage once', async () => {
    await redis.stop();
    const answers = [];
    for (let i = 0; i < 20; i += 1) answers.push(await ping('tok_during'));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(answers.every((a) => a.headers.get('x-ratelimit-limit') === null)).toBe(true);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(500);
    const text = await metricText();
    expect(text).toMatch(/auth_rate_limit_redis_up\{service="rate-limit-int-test"\} 0/);
    expect(text).toMatch(/auth_rate_limit_unenforced_total\{service="rate-limit-int-test"\} 20/);
    expect(logs.lines.filter((l) => l.includes('Redis is unreachable'))).toHaveLength(1);
  });

  it('limits again by itself once Redis is back, with the script loaded anew', async () => {
    await redis.start();
    const limited = await waitFor(
      async () => {
        const answer = await ping('tok_after');
        return answer.status === 429 ? answer : null;
      },
      { timeoutMs: 20_000, intervalMs: 50, message: 'rate limiting to resume' },
    );
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(logs.lines.filter((l) => l.includes('rate limiting resumed'))).toHaveLength(1);
    expect(logs.lines.filter((l) => l.includes('Redis is unreachable'))).toHaveLength(1);
  });
});
