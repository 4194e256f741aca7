import { createLogger } from '@eudr/service-kit';
import { integrationState, issueToken } from '../test/helpers/auth-fixtures';
import { createIntrospectionFallback } from './introspection-fallback';
import type { IntrospectionFallbackSettings } from './introspection-fallback';
import { IntrospectionError } from './introspection.client';
import type { IntrospectionAnswer } from './introspection.client';
import { createProjectionStore } from './projection-store';

const logger = createLogger({ service: 'auth-test', level: 'silent' });

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fallback whose introspection calls wait until the test answers them. */
function setup(settings: IntrospectionFallbackSettings = {}) {
  let now = 1_000_000;
  const calls: { tokenHash: string; answer: Deferred<IntrospectionAnswer> }[] = [];
  const store = createProjectionStore();
  const fallback = createIntrospectionFallback({
    ...settings,
    introspect: (tokenHash) => {
      const answer = deferred<IntrospectionAnswer>();
      calls.push({ tokenHash, answer });
      return answer.promise;
    },
    projection: store,
    clock: () => now,
    logger,
  });
  return {
    fallback,
    store,
    calls,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('the introspection fallback', () => {
  it('shares one in-flight call among concurrent lookups of the same hash', async () => {
    const { fallback, calls, store } = setup();
    const { state } = issueToken();
    const lookups = Array.from({ length: 50 }, () => fallback.ask(state.tokenHash));
    expect(calls).toHaveLength(1);
    calls[0]?.answer.resolve({ known: true, token: state, integration: integrationState() });
    expect(await Promise.all(lookups)).toEqual(Array(50).fill('found'));
    expect(store.findByHash(state.tokenHash)).toEqual(state);
    expect(store.integrationStatus('int_a')?.status).toBe('ACTIVE');
    expect(fallback.stats().calls).toBe(1);
  });

  it('answers busy without calling when the concurrency bound is reached, and calls again once a slot frees', async () => {
    const { fallback, calls } = setup({ maxConcurrent: 3 });
    const hashes = Array.from({ length: 5 }, () => issueToken().state.tokenHash);
    const first = hashes.slice(0, 3).map((hash) => fallback.ask(hash));
    expect(calls).toHaveLength(3);
    expect(await fallback.ask(hashes[3] ?? '')).toBe('busy');
    expect(await fallback.ask(hashes[4] ?? '')).toBe('busy');
    expect(calls).toHaveLength(3);
    // A lookup of a hash already in flight still joins it.
    const joined = fallback.ask(hashes[0] ?? '');
    expect(calls).toHaveLength(3);

    calls[0]?.answer.resolve({ known: false });
    expect(await first[0]).toBe('unknown');
    expect(await joined).toBe('unknown');
    const freed = fallback.ask(hashes[3] ?? '');
    expect(calls).toHaveLength(4);
    for (const call of calls.slice(1)) call.answer.resolve({ known: false });
    expect(await freed).toBe('unknown');
    expect(fallback.stats()).toMatchObject({ calls: 4, busyRejections: 2 });
  });

  it('remembers an unknown hash until the negative cache entry expires', async () => {
    const { fallback, calls, advance } = setup({ negativeCacheTtlMs: 30_000 });
    const hash = issueToken().state.tokenHash;
    const asked = fallback.ask(hash);
    calls[0]?.answer.resolve({ known: false });
    expect(await asked).toBe('unknown');

    expect(fallback.cached(hash, false)).toBe('unknown');
    advance(29_999);
    expect(fallback.cached(hash, true)).toBe('unknown');
    advance(1);
    expect(fallback.cached(hash, false)).toBeUndefined();
    expect(fallback.stats().negativeCacheHits).toBe(2);
  });

  it('forgets the oldest unknown hash when the negative cache is full', async () => {
    const { fallback, calls } = setup({ negativeCacheMaxEntries: 2 });
    const hashes = Array.from({ length: 3 }, () => issueToken().state.tokenHash);
    for (const [index, hash] of hashes.entries()) {
      const asked = fallback.ask(hash);
      calls[index]?.answer.resolve({ known: false });
      await asked;
    }
    expect(hashes.map((hash) => fallback.cached(hash, false))).toEqual([undefined, 'unknown', 'unknown']);
  });

  it('never caches a failure: the next lookup calls again', async () => {
    const { fallback, calls } = setup();
    const hash = issueToken().state.tokenHash;
    const asked = fallback.ask(hash);
    calls[0]?.answer.reject(new IntrospectionError('introspection answered 500'));
    expect(await asked).toBe('failed');
    expect(fallback.cached(hash, false)).toBeUndefined();
    expect(fallback.cached(hash, true)).toBeUndefined();
    void fallback.ask(hash);
    expect(calls).toHaveLength(2);
    calls[1]?.answer.resolve({ known: false });
    expect(fallback.stats()).toMatchObject({ calls: 2, failures: 1 });
  });
});

describe('the introspection fallback, with positive answers', () => {
  it('counts a positive answer as verified only for the verified window, and never by default on a trusted projection', async () => {
    const { fallback, calls, advance } = setup({ verifiedTtlMs: 1_000 });
    const { state } = issueToken();
    const asked = fallback.ask(state.tokenHash);
    calls[0]?.answer.resolve({ known: true, token: state, integration: integrationState() });
    await asked;
    expect(fallback.cached(state.tokenHash, false)).toBeUndefined();
    expect(fallback.cached(state.tokenHash, true)).toBe('found');
    advance(999);
    expect(fallback.cached(state.tokenHash, true)).toBe('found');
    advance(1);
    expect(fallback.cached(state.tokenHash, true)).toBeUndefined();
  });

  it('applies positive answers version-checked, so an older answer never undoes a newer revocation', async () => {
    const { fallback, calls, store } = setup();
    const { state } = issueToken();
    store.applyToken({ ...state, revokedAt: '2025-03-01T00:00:00.000Z', version: 2 });
    store.applyIntegration(integrationState({ status: 'INACTIVE', version: 4 }));
    const asked = fallback.ask(state.tokenHash);
    calls[0]?.answer.resolve({ known: true, token: state, integration: integrationState({ version: 3 }) });
    expect(await asked).toBe('found');
    expect(store.findByHash(state.tokenHash)).toMatchObject({
      version: 2,
      revokedAt: '2025-03-01T00:00:00.000Z',
    });
    expect(store.integrationStatus('int_a')).toMatchObject({ status: 'INACTIVE', version: 4 });
  });

  it('refuses a verified window longer than one second', () => {
    expect(() => setup({ verifiedTtlMs: 1_001 })).toThrow(RangeError);
    expect(() => setup({ maxConcurrent: 0 })).toThrow(RangeError);
  });
});
