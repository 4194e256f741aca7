import { NetworkError } from './errors';
import { createRateBudget, sleep } from './rate-budget';
import { createTransport } from './transport';

// The retry policy and the rate-limit budget against scripted answers, on a fake clock: every wait is
// recorded instead of slept.

const BASE = 'http://api.test';

function answer(status: number, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify({ status }), { status, headers });
}

function setup(script: (Response | Error)[], retry = {}) {
  let clock = 1_000_000;
  const waits: number[] = [];
  const sent: Request[] = [];
  const sleep = async (ms: number) => {
    waits.push(Math.round(ms));
    clock += ms;
  };
  const budget = createRateBudget({ now: () => clock, sleep, random: () => 0 });
  const transport = createTransport({
    fetch: async (request) => {
      sent.push(request);
      const next = script.shift();
      if (next === undefined) throw new Error('the script has no more answers');
      if (next instanceof Error) throw next;
      return next;
    },
    budget,
    retry,
    sleep,
    random: () => 1,
  });
  return { transport, waits, sent, budget, now: () => clock };
}

const get = (path = '/api/v1/integration/suppliers') => new Request(`${BASE}${path}`);
const post = (path: string, body = '{"suppliers":[]}') =>
  new Request(`${BASE}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('the retry policy', () => {
  it('retries a 429 after Retry-After and sends the same body again', async () => {
    const { transport, waits, sent } = setup([answer(429, { 'retry-after': '7' }), answer(200)]);
    const response = await transport(
      post('/api/v1/integration/suppliers', '{"suppliers":[{"externalId":"A"}]}'),
    );
    expect(response.status).toBe(200);
    expect(waits).toEqual([7_000]);
    expect(await Promise.all(sent.map((r) => r.text()))).toEqual([
      '{"suppliers":[{"externalId":"A"}]}',
      '{"suppliers":[{"externalId":"A"}]}',
    ]);
  });

  it('retries a 429 even on a POST that is not idempotent: a refused request was never processed', async () => {
    const { transport } = setup([answer(429, { 'retry-after': '1' }), answer(201)]);
    expect((await transport(post('/api/v1/integration/webhook-events', '{}'))).status).toBe(201);
  });

  it('retries a 503 with backoff, at least Retry-After', async () => {
    const { transport, waits } = setup([answer(503), answer(503, { 'retry-after': '3' }), answer(200)], {
      baseDelayMs: 100,
    });
    expect((await transport(get())).status).toBe(200);
    expect(waits).toEqual([100, 3_000]);
  });

  it('never retries another 4xx', async () => {
    for (const status of [400, 401, 403, 404, 409, 413, 415]) {
      const { transport, sent } = setup([answer(status), answer(200)]);
      expect((await transport(get())).status).toBe(status);
      expect(sent).toHaveLength(1);
    }
  });

  it('retries network errors of idempotent requests, jittered and doubling up to the cap', async () => {
    const refused = new TypeError('fetch failed');
    const { transport, waits } = setup([refused, refused, refused, answer(200)], {
      baseDelayMs: 100,
      maxDelayMs: 300,
    });
    expect((await transport(post('/api/v1/integration/batches'))).status).toBe(200);
    expect(waits).toEqual([100, 200, 300]);
  });

  it('does not resend a non-idempotent POST after a network error or a 503', async () => {
    const first = setup([new TypeError('fetch failed'), answer(201)]);
    await expect(first.transport(post('/api/v1/integration/webhook-events', '{}'))).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      attempts: 1,
    });
    const second = setup([answer(503), answer(201)]);
    expect((await second.transport(post('/api/v1/integration/webhook-events', '{}'))).status).toBe(503);
  });

  it('stops after maxRetries: returns the last answer, or throws a NetworkError', async () => {
    const limited = setup(
      Array.from({ length: 4 }, () => answer(429, { 'retry-after': '1' })),
      { maxRetries: 2 },
    );
    expect((await limited.transport(get())).status).toBe(429);
    expect(limited.sent).toHaveLength(3);
    const down = setup(
      Array.from({ length: 4 }, () => new TypeError('fetch failed')),
      { maxRetries: 2 },
    );
    const error = await down.transport(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 3 });
  });
});

describe('the rate-limit budget', () => {
  const limited = (remaining: number, resetS: number, limit = 3) => ({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(resetS),
  });

  it('waits for the next window once the headers say none is left, without a 429', async () => {
    const start = 1_000_000;
    const resetS = Math.ceil(start / 1000) + 10;
    const { transport, waits, now } = setup([
      answer(200, limited(2, resetS)),
      answer(200, limited(1, resetS)),
      answer(200, limited(0, resetS)),
      answer(200, limited(2, resetS + 60)),
    ]);
    for (let i = 0; i < 4; i += 1) expect((await transport(get())).status).toBe(200);
    // The fourth request waited for the window's end (10 s away) instead of running into a 429.
    expect(waits).toEqual([resetS * 1000 - start]);
    expect(now()).toBe(resetS * 1000);
  });

  it('holds concurrent requests back: never more in a window than the headers allow', async () => {
    let clock = 1_000_000;
    const sleeping: (() => void)[] = [];
    const budget = createRateBudget({
      now: () => clock,
      sleep: () => new Promise<void>((resolve) => sleeping.push(resolve)),
    });
    const resetS = Math.ceil(clock / 1000) + 30;
    budget.observe(200, new Headers(limited(2, resetS, 5)));
    let granted = 0;
    const all = Promise.all(Array.from({ length: 5 }, () => budget.acquire().then(() => (granted += 1))));
    await new Promise((resolve) => setImmediate(resolve));
    expect([granted, sleeping.length]).toEqual([2, 3]);
    // The window ends: the three waiting requests fit in the new one.
    clock = resetS * 1000;
    for (const wake of sleeping.splice(0)) wake();
    await all;
    expect(granted).toBe(5);
    expect(budget.state().remaining).toBe(2);
  });

  it('in a new window whose end no answer has told yet, holds the request past the limit until one does', async () => {
    let clock = 1_000_000;
    const budget = createRateBudget({
      now: () => clock,
      sleep: (ms, signal) => sleep(ms, signal),
      jitterMs: 0,
    });
    const resetS = Math.ceil(clock / 1000) + 4;
    budget.observe(200, new Headers(limited(0, resetS, 3)));
    clock = resetS * 1000;
    let granted = 0;
    const all = Promise.all(Array.from({ length: 4 }, () => budget.acquire().then(() => (granted += 1))));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(granted).toBe(3);
    // The first answer of the new window tells its end (1 s on): the fourth request waits for it.
    budget.observe(200, new Headers(limited(2, resetS + 1, 3)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(granted).toBe(3);
    clock = (resetS + 1) * 1000;
    await all;
    expect(granted).toBe(4);
  });

  it('ignores answers of an older window and keeps the lowest remaining of the current one', () => {
    const { budget, now } = setup([]);
    const resetS = Math.ceil(now() / 1000) + 30;
    budget.observe(200, new Headers(limited(5, resetS, 10)));
    budget.observe(200, new Headers(limited(7, resetS, 10)));
    expect(budget.state().remaining).toBe(5);
    budget.observe(200, new Headers(limited(9, resetS - 60, 10)));
    expect(budget.state()).toEqual({ limit: 10, remaining: 5, resetAt: resetS * 1000 });
    budget.observe(200, new Headers(limited(9, resetS + 60, 10)));
    expect(budget.state()).toEqual({ limit: 10, remaining: 9, resetAt: (resetS + 60) * 1000 });
  });
});
