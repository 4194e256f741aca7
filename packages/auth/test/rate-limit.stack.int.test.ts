import { randomBytes } from 'node:crypto';
import { call, startPrivateRedis, startStack, waitFor } from '@eudr/testkit';
import type { AdminClient, HttpResult, PrivateServer, Stack } from '@eudr/testkit';

// Real processes: auth-service, resource service replicas, a private edge, the shared Redis (and a
// private one for the outage). The apps must be built first (npx turbo run build).
jest.setTimeout(180_000);

/**
 * Every resource service whose routes authenticate tokens, with its cheapest authenticated read (and
 * any environment it needs). The first one also runs a second replica; one token's budget must be
 * shared by all of them: adding a service to this test is adding one entry here.
 */
const SERVICES: { app: string; path: string; scope: string; env?: Record<string, string> }[] = [
  {
    app: 'suppliers-service',
    path: '/api/v1/integration/suppliers?limit=1',
    scope: 'integration:suppliers:read',
  },
  {
    app: 'batches-service',
    path: '/api/v1/integration/products?limit=1',
    scope: 'integration:products:read',
  },
  {
    app: 'webhooks-service',
    path: '/api/v1/integration/webhook-events?limit=1',
    scope: 'integration:webhooks:manage',
    env: { WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') },
  },
];
const SCOPES = [...SERVICES.map((s) => s.scope), 'integration:suppliers:write'];
const LIMIT = 100;
const PROPAGATION_TIMEOUT_MS = 15_000;

interface Target {
  name: string;
  url: string;
  path: string;
}

let stack: Stack;
let admin: AdminClient;
const targets: Target[] = [];
const privateServers: PrivateServer[] = [];

beforeAll(async () => {
  stack = await startStack('auth-rate-limit', {
    apps: Object.fromEntries(SERVICES.map((s) => [s.app, s.env ?? {}])),
  });
  admin = await stack.admin('org_rate_limit');
  for (const service of SERVICES) {
    const first = stack.apps[service.app];
    if (first === undefined) throw new Error(`${service.app} did not start`);
    targets.push({ name: `${service.app} A`, url: first.url, path: service.path });
  }
  // And a second replica of the first service: replicas of one service share the budget too.
  const [firstService] = SERVICES;
  if (firstService !== undefined) {
    const second = await stack.startReplica(firstService.app);
    targets.push({ name: `${firstService.app} B`, url: second.url, path: firstService.path });
  }
});

afterAll(async () => {
  await stack?.close();
  for (const server of privateServers) await server.destroy();
});

const get = (target: Pick<Target, 'url' | 'path'>, token: string) => call(target.url, target.path, { token });

function header(result: HttpResult, name: string): string | null {
  return result.headers.get(name);
}

function expectRateLimited(result: HttpResult, limit: number): void {
  expect({ status: result.status, error: result.body?.['error'] }).toEqual({
    status: 429,
    error: 'RATE_LIMIT_EXCEEDED',
  });
  const retryAfter = Number(header(result, 'retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  expect(header(result, 'x-ratelimit-limit')).toBe(String(limit));
  expect(header(result, 'x-ratelimit-remaining')).toBe('0');
}

/** A token accepted by every target (a fresh token may need its state to arrive first). */
async function acceptedEverywhere(
  options: { rateLimitPerMinute?: number } = {},
): Promise<{ token: string; integrationId: string }> {
  const issued = await stack.issueToken(admin, SCOPES, options);
  return { token: issued.token, integrationId: issued.integrationId };
}

describe('one budget per token across every replica and service', () => {
  it('lets 100 requests through spread over all replicas, counting down, and answers the 101st with 429 RATE_LIMIT_EXCEEDED on each of them', async () => {
    const { token } = await acceptedEverywhere();
    const startedAt = Date.now();
    const answers: HttpResult[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const target = targets[i % targets.length];
      if (target === undefined) throw new Error('no target');
      answers.push(await get(target, token));
    }
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: LIMIT }, () => 200));
    expect(answers.map((a) => header(a, 'x-ratelimit-remaining'))).toEqual(
      Array.from({ length: LIMIT }, (_, i) => String(LIMIT - 1 - i)),
    );
    expect(new Set(answers.map((a) => header(a, 'x-ratelimit-limit')))).toEqual(new Set(['100']));
    // One window: the same reset instant everywhere, about a minute after the first request.
    const resets = new Set(answers.map((a) => Number(header(a, 'x-ratelimit-reset'))));
    expect(resets.size).toBe(1);
    const [reset] = [...resets];
    expect(reset).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) + 59);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 61);

    for (const target of targets) expectRateLimited(await get(target, token), LIMIT);
  });

  it('does no work for a refused request', async () => {
    const { token } = await acceptedEverywhere({ rateLimitPerMinute: 1 });
    const [target] = targets;
    if (target === undefined) throw new Error('no target');
    expect((await get(target, token)).status).toBe(200);
    const refused = await call(target.url, '/api/v1/integration/suppliers', {
      method: 'POST',
      token,
      body: { suppliers: [{ externalId: 'SUP-REFUSED', name: 'Never stored' }] },
    });
    expectRateLimited(refused, 1);
    const other = await acceptedEverywhere();
    const lookup = await call(target.url, '/api/v1/integration/suppliers/SUP-REFUSED', {
      token: other.token,
    });
    expect(lookup.status).toBe(404);
  });

  it('gives another token of the same organisation a budget of its own', async () => {
    const first = await acceptedEverywhere({ rateLimitPerMinute: 2 });
    const second = await acceptedEverywhere({ rateLimitPerMinute: 2 });
    const [target] = targets;
    if (target === undefined) throw new Error('no target');
    for (let i = 0; i < 2; i += 1) expect((await get(target, first.token)).status).toBe(200);
    expectRateLimited(await get(target, first.token), 2);
    const fresh = await get(target, second.token);
    expect(fresh.status).toBe(200);
    expect(header(fresh, 'x-ratelimit-remaining')).toBe('1');
  });
});

describe('a per-integration limit changed through the admin API', () => {
  it('applies on every replica without a restart, lowered and then raised again', async () => {
    const { token, integrationId } = await acceptedEverywhere();
    expect(header(await get(targets[0] as Target, token), 'x-ratelimit-limit')).toBe('100');

    await admin.setRateLimit(integrationId, 5);
    const loweredAt = Date.now();
    for (const target of targets) {
      await waitFor(async () => header(await get(target, token), 'x-ratelimit-limit') === '5', {
        timeoutMs: PROPAGATION_TIMEOUT_MS,
        message: `${target.name} to apply the lowered limit`,
      });
    }
    const lowered = Date.now() - loweredAt;
    const refused = await waitFor(
      async () => {
        const answer = await get(targets[0] as Target, token);
        return answer.status === 429 ? answer : null;
      },
      { timeoutMs: 5_000, message: 'a refusal under the lowered limit' },
    );
    expectRateLimited(refused, 5);

    await admin.setRateLimit(integrationId, 1000);
    const raisedAt = Date.now();
    for (const target of targets) {
      const accepted = await waitFor(
        async () => {
          const answer = await get(target, token);
          return answer.status === 200 ? answer : null;
        },
        { timeoutMs: PROPAGATION_TIMEOUT_MS, message: `${target.name} to apply the raised limit` },
      );
      expect(header(accepted, 'x-ratelimit-limit')).toBe('1000');
    }
    process.stdout.write(
      `rate limit change → applied on all ${targets.length} replicas: lowered in ${lowered} ms, raised in ${Date.now() - raisedAt} ms\n`,
    );
  });
});

describe('a short window (RATE_LIMIT_WINDOW_SECONDS=2)', () => {
  it('refuses until the reset instant it announced, then starts a fresh budget', async () => {
    const replica = await stack.startReplica(SERVICES[0]?.app ?? '', {
      RATE_LIMIT_WINDOW_SECONDS: '2',
      RATE_LIMIT_KEY_PREFIX: `${stack.scope.redisKeyPrefix}short:`,
    });
    const target = { url: replica.url, path: SERVICES[0]?.path ?? '' };
    const { token } = await acceptedEverywhere({ rateLimitPerMinute: 3 });
    const refused = await waitFor(
      async () => {
        const answer = await get(target, token);
        return answer.status === 429 ? answer : null;
      },
      { timeoutMs: 5_000, intervalMs: 1, message: 'the fourth request of the window to be refused' },
    );
    expectRateLimited(refused, 3);
    expect(Number(header(refused, 'retry-after'))).toBeLessThanOrEqual(2);
    const resetMs = Number(header(refused, 'x-ratelimit-reset')) * 1000;
    expect(resetMs).toBeLessThanOrEqual(refused.at + 3_000);

    const fresh = await waitFor(
      async () => {
        const answer = await get(target, token);
        return answer.status === 200 ? answer : null;
      },
      { timeoutMs: 10_000, intervalMs: 100, message: 'a fresh window' },
    );
    // Reset is rounded up to whole seconds, so the new window may open up to a second before it.
    expect(fresh.at).toBeGreaterThanOrEqual(resetMs - 1_000);
    expect(header(fresh, 'x-ratelimit-remaining')).toBe('2');
  });
});

describe('failed authentications from one address', () => {
  it('are answered 429 past AUTH_FAILURE_LIMIT_PER_MINUTE, and the address is then refused before its token is checked', async () => {
    const replica = await stack.startReplica(SERVICES[0]?.app ?? '', {
      AUTH_FAILURE_LIMIT_PER_MINUTE: '5',
      RATE_LIMIT_KEY_PREFIX: `${stack.scope.redisKeyPrefix}failures:`,
    });
    const target = { url: replica.url, path: SERVICES[0]?.path ?? '' };
    const wrong = `eudr_live_${'0'.repeat(48)}`;
    const failures = [];
    for (let i = 0; i < 5; i += 1) failures.push((await get(target, wrong)).status);
    expect(failures).toEqual([401, 401, 401, 401, 401]);
    const refused = await get(target, wrong);
    expect(refused.status).toBe(429);
    expect(refused.body?.['error']).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(header(refused, 'retry-after'))).toBeGreaterThanOrEqual(1);
    const { token } = await acceptedEverywhere();
    const valid = await get(target, token);
    expect(valid.status).toBe(429);
    expect(valid.headers.get('x-ratelimit-limit')).toBeNull();
    // The other replicas count in their own key space here, so the same token still works there.
    expect((await get(targets[0] as Target, token)).status).toBe(200);
  });
});

describe('with Redis down', () => {
  it('serves requests without limiting, stays ready, and limits again by itself once Redis is back', async () => {
    const redis = await startPrivateRedis();
    privateServers.push(redis);
    const replica = await stack.startReplica(SERVICES[0]?.app ?? '', { REDIS_URL: redis.url });
    const target = { url: replica.url, path: SERVICES[0]?.path ?? '' };

    const before = await acceptedEverywhere({ rateLimitPerMinute: 3 });
    const limited = await waitFor(
      async () => ((await get(target, before.token)).status === 429 ? true : null),
      { timeoutMs: 5_000, intervalMs: 1, message: 'limiting while Redis answers' },
    );
    expect(limited).toBe(true);

    await redis.stop();
    const during = await acceptedEverywhere({ rateLimitPerMinute: 3 });
    const answers: { status: number; ms: number; limitHeader: string | null }[] = [];
    for (let i = 0; i < 20; i += 1) {
      const sentAt = Date.now();
      const answer = await get(target, during.token);
      answers.push({
        status: answer.status,
        ms: answer.at - sentAt,
        limitHeader: header(answer, 'x-ratelimit-limit'),
      });
    }
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(answers.every((a) => a.limitHeader === null)).toBe(true);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_000);
    expect((await call(replica.url, '/readyz')).status).toBe(200);

    await redis.start();
    const after = await waitFor(
      async () => {
        const answer = await get(target, during.token);
        return answer.status === 429 ? answer : null;
      },
      { timeoutMs: 30_000, intervalMs: 20, message: 'limiting to resume once Redis is back' },
    );
    expectRateLimited(after, 3);
    const logs = replica.logs();
    expect(logs.match(/Redis is unreachable/g)).toHaveLength(1);
    expect(logs.match(/rate limiting resumed/g)).toHaveLength(1);
  });
});
