import { AppError, ForbiddenError, UnauthorizedError, createLogger } from '@eudr/service-kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Registry } from 'prom-client';
import { setAuthContext } from './auth-context';
import type { WindowCount } from './rate-limit';
import { createRateLimiter } from './rate-limit.middleware';
import type { RateLimitCounter } from './rate-limit.store';

const logger = createLogger({ service: 'rate-limit-test', level: 'silent' });
const START = Date.parse('2025-06-01T12:00:00.000Z');
const WINDOW_SECONDS = 60;

/** An in-memory counter with Redis's semantics (window from the first hit), which the test can take down. */
function fakeCounter(clock: () => number) {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const state = { down: false, hits: [] as string[] };
  const counter: RateLimitCounter = {
    async hit(key, windowMs): Promise<WindowCount | undefined> {
      state.hits.push(key);
      if (state.down) return undefined;
      const now = clock();
      let window = windows.get(key);
      if (window === undefined || window.endsAt <= now) {
        window = { count: 0, endsAt: now + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return { count: window.count, ttlMs: window.endsAt - now };
    },
    isAvailable: () => !state.down,
    start: async () => undefined,
    stop: async () => undefined,
  };
  return { counter, state };
}

interface Outcome {
  error: AppError | undefined;
  headers: Record<string, string>;
  reachedRoute: boolean;
}

function setup(options: { limits?: Record<string, number>; failureLimit?: number } = {}) {
  let now = START;
  const clock = () => now;
  const { counter, state } = fakeCounter(clock);
  const metrics = new Registry();
  const authenticated: string[] = [];
  // Stands in for the token check: "good:<tokenId>:<integrationId>" passes, "outside" is a token used from
  // outside its allowlist (403), "inactive" a 403 of another kind, anything else is a 401.
  const authenticate: RequestHandler = (req, _res, next) => {
    authenticated.push(String(req.headers['authorization']));
    const [kind, tokenId, integrationId] = String(req.headers['authorization']).split(':');
    if (kind === 'outside' || kind === 'inactive') {
      const code = kind === 'outside' ? 'IP_NOT_ALLOWED' : 'INTEGRATION_INACTIVE';
      next(new ForbiddenError(code, 'refused'));
      return;
    }
    if (kind !== 'good' || tokenId === undefined || integrationId === undefined) {
      next(new UnauthorizedError('INVALID_TOKEN', 'The API token is not valid.'));
      return;
    }
    setAuthContext(req, { tokenId, orgId: 'org_1', integrationId, scopes: [] });
    next();
  };
  const limiter = createRateLimiter({
    counter,
    limitFor: (context) => options.limits?.[context.integrationId] ?? 100,
    windowSeconds: WINDOW_SECONDS,
    failureLimit: options.failureLimit ?? 300,
    keyPrefix: 'test:',
    metrics,
    logger,
    clock,
  });
  const handler = limiter.wrap(authenticate);

  function send(authorization: string, ip = '203.0.113.7'): Promise<Outcome> {
    const headers: Record<string, string> = {};
    const req = { headers: { authorization }, ip, socket: {} } as unknown as Request;
    const res = {
      setHeader: (name: string, value: string) => {
        headers[name] = value;
      },
    } as unknown as Response;
    return new Promise((resolve) => {
      const next = ((err?: unknown) => {
        if (err instanceof AppError) {
          Object.assign(headers, err.headers);
          resolve({ error: err, headers, reachedRoute: false });
        } else resolve({ error: undefined, headers, reachedRoute: err === undefined });
      }) as NextFunction;
      void handler(req, res, next);
    });
  }

  return {
    send,
    state,
    metrics,
    authenticated,
    limits: options.limits,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
  };
}

async function sendMany(t: ReturnType<typeof setup>, authorization: string, n: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < n; i += 1) outcomes.push(await t.send(authorization));
  return outcomes;
}

async function metricValue(metrics: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) =>
    Object.entries(labels).every(([key, expected]) => v.labels[key] === expected),
  );
  return value?.value ?? 0;
}

describe('the token limit', () => {
  it('lets 100 requests through with a remaining budget counting down, and refuses the 101st with 429 and Retry-After', async () => {
    const t = setup();
    const outcomes = await sendMany(t, 'good:tok_a:int_a', 101);
    expect(outcomes.slice(0, 100).every((o) => o.reachedRoute)).toBe(true);
    expect(outcomes.slice(0, 100).map((o) => o.headers['X-RateLimit-Remaining'])).toEqual(
      Array.from({ length: 100 }, (_, i) => String(99 - i)),
    );
    const last = outcomes[100];
    expect(last?.reachedRoute).toBe(false);
    expect(last?.error?.status).toBe(429);
    expect(last?.error?.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(last?.headers).toEqual({
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String((START + 60_000) / 1000),
      'Retry-After': '60',
    });
    expect(await metricValue(t.metrics, 'auth_rate_limit_rejected_total', { subject: 'token' })).toBe(1);
  });

  it('refuses further requests of a blocked token from memory, without asking the counter', async () => {
    const t = setup({ limits: { int_a: 2 } });
    await sendMany(t, 'good:tok_a:int_a', 3);
    const hitsBefore = t.state.hits.length;
    t.advance(10_000);
    const refused = await t.send('good:tok_a:int_a');
    expect(refused.error?.status).toBe(429);
    expect(refused.headers['Retry-After']).toBe('50');
    expect(t.state.hits.length).toBe(hitsBefore);
  });

  it('gives every token its own budget', async () => {
    const t = setup({ limits: { int_a: 1 } });
    expect((await t.send('good:tok_a:int_a')).reachedRoute).toBe(true);
    expect((await t.send('good:tok_a:int_a')).error?.status).toBe(429);
    expect((await t.send('good:tok_b:int_a')).reachedRoute).toBe(true);
  });

  it('starts a fresh budget when the window ends', async () => {
    const t = setup({ limits: { int_a: 1 } });
    await sendMany(t, 'good:tok_a:int_a', 2);
    t.advance(60_000);
    const next = await t.send('good:tok_a:int_a');
    expect(next.reachedRoute).toBe(true);
    expect(next.headers['X-RateLimit-Remaining']).toBe('0');
  });

  it('applies a raised integration limit at once, even to a token it had already refused', async () => {
    const limits: Record<string, number> = { int_a: 1 };
    const t = setup({ limits });
    await sendMany(t, 'good:tok_a:int_a', 2);
    limits['int_a'] = 10;
    const next = await t.send('good:tok_a:int_a');
    expect(next.reachedRoute).toBe(true);
    expect(next.headers['X-RateLimit-Limit']).toBe('10');
  });

  it('serves requests without limiting or headers while the counter is down, and counts them in a metric', async () => {
    const t = setup({ limits: { int_a: 1 } });
    t.state.down = true;
    const outcomes = await sendMany(t, 'good:tok_a:int_a', 5);
    expect(outcomes.every((o) => o.reachedRoute && Object.keys(o.headers).length === 0)).toBe(true);
    expect(await metricValue(t.metrics, 'auth_rate_limit_unenforced_total')).toBe(5);
    expect(await metricValue(t.metrics, 'auth_rate_limit_redis_up')).toBe(0);
    t.state.down = false;
    expect((await t.send('good:tok_a:int_a')).reachedRoute).toBe(true);
    expect((await t.send('good:tok_a:int_a')).error?.status).toBe(429);
  });
});

describe('the failed-authentication limit per client address', () => {
  it('passes failures through until the limit, then answers 429 and refuses the address before any token check', async () => {
    const t = setup({ failureLimit: 3 });
    const failures = await sendMany(t, 'bad', 3);
    expect(failures.map((o) => o.error?.code)).toEqual(['INVALID_TOKEN', 'INVALID_TOKEN', 'INVALID_TOKEN']);
    const fourth = await t.send('bad');
    expect(fourth.error?.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(fourth.headers['Retry-After']).toBe('60');
    const checked = t.authenticated.length;
    const valid = await t.send('good:tok_a:int_a');
    expect(valid.error?.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(t.authenticated.length).toBe(checked);
    expect(await metricValue(t.metrics, 'auth_rate_limit_rejected_total', { subject: 'address' })).toBe(2);
  });

  it('keeps other addresses unaffected and forgets the block when the window ends', async () => {
    const t = setup({ failureLimit: 1 });
    await sendMany(t, 'bad', 2);
    expect((await t.send('good:tok_a:int_a', '198.51.100.1')).reachedRoute).toBe(true);
    t.advance(60_000);
    expect((await t.send('good:tok_a:int_a')).reachedRoute).toBe(true);
  });

  it('counts an IPv4 client once whether or not its address is written IPv4-mapped', async () => {
    const t = setup({ failureLimit: 1 });
    await t.send('bad', '::ffff:203.0.113.7');
    expect((await t.send('bad', '203.0.113.7')).error?.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('counts a token used from outside its allowlist against the address, and no other 403', async () => {
    const t = setup({ failureLimit: 2 });
    await sendMany(t, 'inactive', 3);
    const outside = await sendMany(t, 'outside', 2);
    expect(outside.map((o) => o.error?.code)).toEqual(['IP_NOT_ALLOWED', 'IP_NOT_ALLOWED']);
    expect((await t.send('outside')).error?.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('does not count successful requests against the address', async () => {
    const t = setup({ failureLimit: 1 });
    await sendMany(t, 'good:tok_a:int_a', 5);
    expect((await t.send('bad')).error?.code).toBe('INVALID_TOKEN');
  });
});
