import { RATE_LIMIT_HEADERS, createBlockList, decideRateLimit, effectiveLimit } from './rate-limit';

const NOW = Date.parse('2025-06-01T12:00:00.250Z');

describe('decideRateLimit', () => {
  it('allows the request that reaches the limit and counts down the remaining budget', () => {
    const decision = decideRateLimit({ count: 100, ttlMs: 30_000 }, 100, NOW);
    expect(decision.allowed).toBe(true);
    expect(decision.headers).toEqual({
      [RATE_LIMIT_HEADERS.limit]: '100',
      [RATE_LIMIT_HEADERS.remaining]: '0',
      [RATE_LIMIT_HEADERS.reset]: String(Math.ceil((NOW + 30_000) / 1000)),
    });
  });

  it('refuses the first request past the limit and never shows a negative remaining budget', () => {
    const decision = decideRateLimit({ count: 101, ttlMs: 12_300 }, 100, NOW);
    expect(decision.allowed).toBe(false);
    expect(decision.headers[RATE_LIMIT_HEADERS.remaining]).toBe('0');
    expect(decision.retryAfterSeconds).toBe(13);
  });

  it('rounds the reset instant up to whole epoch seconds so that a client waiting until then is never early', () => {
    const decision = decideRateLimit({ count: 1, ttlMs: 59_999 }, 100, NOW);
    expect(Number(decision.headers[RATE_LIMIT_HEADERS.reset]) * 1000).toBeGreaterThanOrEqual(NOW + 59_999);
    expect(decision.headers[RATE_LIMIT_HEADERS.remaining]).toBe('99');
    expect(decision.resetAtMs).toBe(NOW + 59_999);
  });

  it('asks for at least one second of patience, even at the very end of a window or with an unknown time to live', () => {
    expect(decideRateLimit({ count: 5, ttlMs: 1 }, 1, NOW).retryAfterSeconds).toBe(1);
    expect(decideRateLimit({ count: 5, ttlMs: -1 }, 1, NOW).retryAfterSeconds).toBe(1);
    expect(decideRateLimit({ count: 5, ttlMs: Number.NaN }, 1, NOW).resetAtMs).toBe(NOW);
  });
});

describe('effectiveLimit', () => {
  it("uses the integration's own limit when it has one, else the default", () => {
    expect(effectiveLimit(5, 100)).toBe(5);
    expect(effectiveLimit(undefined, 100)).toBe(100);
  });

  it('ignores a limit that is not a positive integer', () => {
    expect(effectiveLimit(0, 100)).toBe(100);
    expect(effectiveLimit(2.5, 100)).toBe(100);
    expect(effectiveLimit(-3, 100)).toBe(100);
  });
});

describe('createBlockList', () => {
  it('refuses a blocked subject from memory until its window ends, with the time to live brought forward', () => {
    const blocks = createBlockList();
    blocks.block('tok_1', { count: 101, ttlMs: 10_000 }, NOW);
    expect(blocks.blocked('tok_1', 100, NOW + 4_000)).toEqual({ count: 101, ttlMs: 6_000 });
    expect(blocks.blocked('tok_1', 100, NOW + 10_000)).toBeUndefined();
    expect(blocks.size()).toBe(0);
  });

  it('lets the counter decide again once the limit is raised above the blocked count', () => {
    const blocks = createBlockList();
    blocks.block('tok_1', { count: 6, ttlMs: 10_000 }, NOW);
    expect(blocks.blocked('tok_1', 5, NOW)).toBeDefined();
    expect(blocks.blocked('tok_1', 1000, NOW)).toBeUndefined();
  });

  it('knows nothing of subjects it never blocked', () => {
    expect(createBlockList().blocked('tok_2', 1, NOW)).toBeUndefined();
  });

  it('stays within its bound, forgetting expired entries first and then the oldest', () => {
    const blocks = createBlockList(3);
    blocks.block('a', { count: 2, ttlMs: 1_000 }, NOW);
    blocks.block('b', { count: 2, ttlMs: 60_000 }, NOW);
    blocks.block('c', { count: 2, ttlMs: 60_000 }, NOW);
    blocks.block('d', { count: 2, ttlMs: 60_000 }, NOW + 2_000);
    expect(blocks.size()).toBe(3);
    expect(blocks.blocked('b', 1, NOW + 2_000)).toBeDefined();
    blocks.block('e', { count: 2, ttlMs: 60_000 }, NOW + 2_000);
    expect(blocks.size()).toBe(3);
    expect(blocks.blocked('b', 1, NOW + 2_000)).toBeUndefined();
    expect(blocks.blocked('e', 1, NOW + 2_000)).toBeDefined();
  });
});
