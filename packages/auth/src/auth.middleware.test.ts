import type { TokenState } from '@eudr/events';
import { AppError, createLogger } from '@eudr/service-kit';
import type { Request, RequestHandler, Response } from 'express';
import { bearer, integrationState, issueToken } from '../test/helpers/auth-fixtures';
import { findAuthContext } from './auth-context';
import { createAuthenticator } from './auth.middleware';
import type { ProjectionView } from './auth.middleware';
import { createIntrospectionFallback } from './introspection-fallback';
import { IntrospectionError } from './introspection.client';
import type { IntrospectionAnswer } from './introspection.client';
import { createProjectionStore } from './projection-store';
import { generateToken } from './token-format';

const logger = createLogger({ service: 'auth-test', level: 'silent' });
const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const CHALLENGE = 'Bearer realm="eudr-integration", error="invalid_token"';
const MAX_STALENESS_MS = 10_000;

type Mode = { kind: 'answer' } | { kind: 'fail' };

/**
 * An authenticator over an in-memory projection whose freshness the test sets, and a fake
 * introspection that answers from `authService` (what auth-service knows) or fails.
 */
function setup() {
  let now = NOW;
  const store = createProjectionStore();
  const freshness = { caughtUp: true, msSinceHeartbeat: 5 };
  const projection: ProjectionView = {
    findByHash: (hash) => store.findByHash(hash),
    integrationStatus: (id) => store.integrationStatus(id),
    orgPolicy: (orgId) => store.orgPolicy(orgId),
    isCaughtUp: () => freshness.caughtUp,
    msSinceHeartbeat: () => freshness.msSinceHeartbeat,
  };
  const authService = new Map<string, IntrospectionAnswer>();
  const introspection: { mode: Mode; calls: string[] } = { mode: { kind: 'answer' }, calls: [] };
  const fallback = createIntrospectionFallback({
    introspect: async (tokenHash) => {
      introspection.calls.push(tokenHash);
      if (introspection.mode.kind === 'fail') throw new IntrospectionError('introspection request failed');
      return authService.get(tokenHash) ?? { known: false };
    },
    projection: store,
    clock: () => now,
    logger,
  });
  const used: { tokenId: string; atMs: number }[] = [];
  const usedFrom: (string | undefined)[] = [];
  const refused: { tokenId: string; address: string | undefined }[] = [];
  const counted: { tokenId: string; outcome: string }[] = [];
  const auth = createAuthenticator({
    projection,
    fallback,
    usage: {
      record: (tokenId, atMs, address) => {
        used.push({ tokenId, atMs });
        usedFrom.push(address);
      },
      refuse: (tokenId, _atMs, address) => refused.push({ tokenId, address }),
      count: (tokenId, _atMs, outcome) => counted.push({ tokenId, outcome }),
    },
    maxStalenessMs: MAX_STALENESS_MS,
    clock: () => now,
    logger,
  });
  store.applyIntegration(integrationState());
  return {
    auth,
    store,
    freshness,
    authService,
    introspection,
    used,
    usedFrom,
    refused,
    counted,
    advance(ms: number) {
      now += ms;
    },
    /** A token known to the projection (and to auth-service). */
    known(overrides: Partial<TokenState> = {}) {
      const issued = issueToken(overrides);
      store.applyToken(issued.state);
      authService.set(issued.state.tokenHash, {
        known: true,
        token: issued.state,
        integration: integrationState(),
      });
      return issued;
    },
  };
}

function requestWith(authorization?: string | string[], ip?: string): Request {
  const values =
    authorization === undefined ? undefined : Array.isArray(authorization) ? authorization : [authorization];
  return {
    headersDistinct: values === undefined ? {} : { authorization: values },
    ip,
  } as unknown as Request;
}

/** Runs a middleware and resolves with what it passed to `next` (undefined when it let the request through). */
function run(handler: RequestHandler, req: Request): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      void handler(req, {} as Response, (err?: unknown) => resolve(err));
    } catch (err) {
      reject(err);
    }
  });
}

async function expectAuthError(promise: Promise<unknown>, code: string, status: number, challenge?: string) {
  const err = await promise;
  expect(err).toBeInstanceOf(AppError);
  const appError = err as AppError;
  expect({ code: appError.code, status: appError.status }).toEqual({ code, status });
  expect(appError.headers['WWW-Authenticate']).toBe(challenge);
  return appError;
}

describe('authenticate with a current projection', () => {
  it('rejects a request without an Authorization header with AUTHENTICATION_REQUIRED', async () => {
    const { auth } = setup();
    await expectAuthError(
      run(auth.authenticate, requestWith()),
      'AUTHENTICATION_REQUIRED',
      401,
      'Bearer realm="eudr-integration"',
    );
  });

  it('rejects Basic credentials, a malformed token and repeated headers with INVALID_TOKEN_FORMAT', async () => {
    const { auth, known } = setup();
    const { raw } = known();
    for (const value of [
      'Basic dXNlcjpwYXNz',
      'Bearer eudr_live_123',
      [bearer(raw.token), bearer(raw.token)],
    ]) {
      await expectAuthError(
        run(auth.authenticate, requestWith(value)),
        'INVALID_TOKEN_FORMAT',
        401,
        CHALLENGE,
      );
    }
  });

  it('accepts the scheme in lower case', async () => {
    const { auth, known } = setup();
    const { raw } = known();
    expect(await run(auth.authenticate, requestWith(`bearer ${raw.token}`))).toBeUndefined();
  });

  it('rejects a token whose checksum fails with INVALID_TOKEN without asking auth-service', async () => {
    const { auth, introspection } = setup();
    const { token } = generateToken();
    const broken = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(broken))),
      'INVALID_TOKEN',
      401,
      CHALLENGE,
    );
    expect(introspection.calls).toHaveLength(0);
  });
});

describe('authenticate with a current projection, deciding from memory (steps 4 to 6)', () => {
  it('lets a known live token through from memory alone, attaching its context and recording its use', () => {
    const { auth, known, introspection, used } = setup();
    const { raw, state } = known();
    const req = requestWith(bearer(raw.token));
    let nextArgs: unknown[] | undefined;
    // A hit is decided synchronously: next() has run before authenticate returns.
    void auth.authenticate(req, {} as Response, (...args: unknown[]) => {
      nextArgs = args;
    });
    expect(nextArgs).toEqual([]);
    expect(findAuthContext(req)).toEqual({
      tokenId: state.tokenId,
      orgId: 'org_a',
      integrationId: 'int_a',
      scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
    });
    expect(used).toEqual([{ tokenId: state.tokenId, atMs: NOW }]);
    expect(introspection.calls).toHaveLength(0);
  });

  it('rejects a revoked token with TOKEN_REVOKED, before expiry and integration status', async () => {
    const { auth, known, store } = setup();
    store.applyIntegration(integrationState({ status: 'INACTIVE', version: 2 }));
    const { raw } = known({ revokedAt: '2025-05-01T00:00:00.000Z', expiresAt: '2025-05-02T00:00:00.000Z' });
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token))),
      'TOKEN_REVOKED',
      401,
      CHALLENGE,
    );
  });

  it('rejects an expired token with TOKEN_EXPIRED, from the expiry instant on', async () => {
    const { auth, known, advance } = setup();
    const { raw } = known({ expiresAt: new Date(NOW + 1_000).toISOString() });
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
    advance(1_000);
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token))),
      'TOKEN_EXPIRED',
      401,
      CHALLENGE,
    );
  });

  it('rejects the token of an inactive integration with 403 INTEGRATION_INACTIVE and no challenge', async () => {
    const { auth, known, store } = setup();
    const { raw } = known();
    store.applyIntegration(integrationState({ status: 'INACTIVE', version: 2 }));
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token))),
      'INTEGRATION_INACTIVE',
      403,
      undefined,
    );
    store.applyIntegration(integrationState({ status: 'ACTIVE', version: 3 }));
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
  });
});

describe('authenticate with a current projection, asking auth-service about what it lacks', () => {
  it('asks auth-service about a hash the projection lacks, then serves it from memory', async () => {
    const { auth, authService, introspection, store } = setup();
    const fresh = issueToken();
    authService.set(fresh.state.tokenHash, {
      known: true,
      token: fresh.state,
      integration: integrationState(),
    });
    expect(await run(auth.authenticate, requestWith(bearer(fresh.raw.token)))).toBeUndefined();
    expect(introspection.calls).toEqual([fresh.state.tokenHash]);
    expect(store.findByHash(fresh.state.tokenHash)).toEqual(fresh.state);
    expect(await run(auth.authenticate, requestWith(bearer(fresh.raw.token)))).toBeUndefined();
    expect(introspection.calls).toHaveLength(1);
  });

  it('rejects an unknown hash with INVALID_TOKEN and remembers it for the next request', async () => {
    const { auth, introspection } = setup();
    const { token } = generateToken();
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(token))),
      'INVALID_TOKEN',
      401,
      CHALLENGE,
    );
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(token))),
      'INVALID_TOKEN',
      401,
      CHALLENGE,
    );
    expect(introspection.calls).toHaveLength(1);
  });

  it('keeps the projection’s word (INVALID_TOKEN) for a miss when auth-service cannot answer', async () => {
    const { auth, introspection } = setup();
    introspection.mode = { kind: 'fail' };
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(generateToken().token))),
      'INVALID_TOKEN',
      401,
      CHALLENGE,
    );
    expect(introspection.calls).toHaveLength(1);
  });

  it('asks auth-service when a known token’s integration has not arrived yet', async () => {
    const { auth, store, authService, introspection } = setup();
    const { raw, state } = issueToken({ integrationId: 'int_new' });
    store.applyToken(state);
    authService.set(state.tokenHash, {
      known: true,
      token: state,
      integration: integrationState({ integrationId: 'int_new' }),
    });
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
    expect(introspection.calls).toHaveLength(1);
    expect(store.integrationStatus('int_new')?.status).toBe('ACTIVE');
  });
});

/** An integration state whose tokens may be used only from `allowedAddresses`. */
const listed = (allowedAddresses: string[], version = 2) => integrationState({ allowedAddresses, version });

describe('address allowlists (step 7)', () => {
  it('lets a token through from a listed address or range and records the address it came from', async () => {
    const { auth, known, store, usedFrom } = setup();
    store.applyIntegration(listed(['203.0.113.0/24', '2001:db8::7']));
    const { raw } = known();
    for (const ip of ['203.0.113.9', '::ffff:203.0.113.200', '2001:db8:0::7']) {
      expect(await run(auth.authenticate, requestWith(bearer(raw.token), ip))).toBeUndefined();
    }
    expect(usedFrom).toEqual(['203.0.113.9', '::ffff:203.0.113.200', '2001:db8:0::7']);
  });

  it('refuses a token from any other address with 403 IP_NOT_ALLOWED, no challenge, and records the refusal', async () => {
    const { auth, known, store, used, refused } = setup();
    store.applyIntegration(listed(['203.0.113.0/24']));
    const { raw, state } = known();
    for (const ip of ['198.51.100.1', '203.0.114.1', '2001:db8::1', undefined]) {
      await expectAuthError(
        run(auth.authenticate, requestWith(bearer(raw.token), ip)),
        'IP_NOT_ALLOWED',
        403,
      );
    }
    expect(used).toEqual([]);
    expect(refused.map((r) => r.tokenId)).toEqual([
      state.tokenId,
      state.tokenId,
      state.tokenId,
      state.tokenId,
    ]);
    // A newer state without the list lifts the restriction at once.
    store.applyIntegration(integrationState({ version: 3 }));
    expect(await run(auth.authenticate, requestWith(bearer(raw.token), '198.51.100.1'))).toBeUndefined();
  });

  it('checks the address after revocation, expiry and the integration status', async () => {
    const { auth, known, store } = setup();
    store.applyIntegration(
      integrationState({ status: 'INACTIVE', allowedAddresses: ['10.0.0.1'], version: 2 }),
    );
    const { raw } = known();
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token), '10.9.9.9')),
      'INTEGRATION_INACTIVE',
      403,
    );
  });
});

describe('organisation policies (step 8)', () => {
  it("refuses a token that breaks its organisation's policy with 403 TOKEN_POLICY_VIOLATION naming the policy", async () => {
    const { auth, known, store } = setup();
    const longLived = known({ createdAt: '2025-05-01T00:00:00.000Z', expiresAt: '2026-05-01T00:00:00.000Z' });
    const forever = known({ createdAt: '2025-05-01T00:00:00.000Z', expiresAt: null });
    const short = known({ createdAt: '2025-05-01T00:00:00.000Z', expiresAt: '2025-07-01T00:00:00.000Z' });
    const policy = { type: 'org-policy' as const, orgId: 'org_a', requireExpiry: false, version: 1 };
    store.applyPolicy({ ...policy, maxTokenLifetimeDays: 90 });
    const err = await expectAuthError(
      run(auth.authenticate, requestWith(bearer(longLived.raw.token))),
      'TOKEN_POLICY_VIOLATION',
      403,
    );
    expect(err.message).toContain('at most 90 days (this token: 365 days)');
    const never = await expectAuthError(
      run(auth.authenticate, requestWith(bearer(forever.raw.token))),
      'TOKEN_POLICY_VIOLATION',
      403,
    );
    expect(never.message).toContain('this token never expires');
    expect(await run(auth.authenticate, requestWith(bearer(short.raw.token)))).toBeUndefined();
    // Another organisation's policy does not apply; a looser newer one lifts the block.
    store.applyPolicy({ ...policy, orgId: 'org_b', maxTokenLifetimeDays: 1, version: 5 });
    store.applyPolicy({ ...policy, maxTokenLifetimeDays: null, requireExpiry: true, version: 2 });
    expect(await run(auth.authenticate, requestWith(bearer(longLived.raw.token)))).toBeUndefined();
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(forever.raw.token))),
      'TOKEN_POLICY_VIOLATION',
      403,
    );
  });

  it('answers IP_NOT_ALLOWED before the policy, so an outside caller learns nothing of it', async () => {
    const { auth, known, store } = setup();
    store.applyIntegration(listed(['10.0.0.1']));
    store.applyPolicy({
      type: 'org-policy',
      orgId: 'org_a',
      maxTokenLifetimeDays: null,
      requireExpiry: true,
      version: 1,
    });
    const { raw } = known({ expiresAt: null });
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token), '10.0.0.2')),
      'IP_NOT_ALLOWED',
      403,
    );
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token), '10.0.0.1')),
      'TOKEN_POLICY_VIOLATION',
      403,
    );
  });
});

describe('authenticate under a flood of unknown tokens', () => {
  it('asks auth-service at most eight times at once; the rest get INVALID_TOKEN without a call', async () => {
    const store = createProjectionStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls: string[] = [];
    const fallback = createIntrospectionFallback({
      introspect: async (tokenHash) => {
        calls.push(tokenHash);
        await gate;
        return { known: false };
      },
      projection: store,
      clock: () => NOW,
      logger,
    });
    const auth = createAuthenticator({
      projection: { ...store, isCaughtUp: () => true, msSinceHeartbeat: () => 0 },
      fallback,
      usage: { record: () => undefined, refuse: () => undefined, count: () => undefined },
      maxStalenessMs: MAX_STALENESS_MS,
      clock: () => NOW,
      logger,
    });
    const outcomes = Array.from({ length: 100 }, () =>
      run(auth.authenticate, requestWith(bearer(generateToken().token))),
    );
    expect(calls).toHaveLength(8);
    release();
    const errors = (await Promise.all(outcomes)) as AppError[];
    expect(errors.every((err) => err.code === 'INVALID_TOKEN')).toBe(true);
    expect(calls).toHaveLength(8);
    expect(fallback.stats().busyRejections).toBe(92);
  });
});

describe('authenticate with a projection that is not current', () => {
  it('answers 503 AUTH_UNAVAILABLE when the projection is stale and auth-service fails, even for a known token', async () => {
    const { auth, known, freshness, introspection } = setup();
    const { raw } = known();
    freshness.msSinceHeartbeat = MAX_STALENESS_MS + 1;
    introspection.mode = { kind: 'fail' };
    const err = await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token))),
      'AUTH_UNAVAILABLE',
      503,
      undefined,
    );
    expect(err.headers['Retry-After']).toBe('1');
    expect(introspection.calls).toHaveLength(1);
  });

  it('trusts a projection exactly up to the staleness bound', async () => {
    const { auth, known, freshness, introspection } = setup();
    const { raw } = known();
    introspection.mode = { kind: 'fail' };
    freshness.msSinceHeartbeat = MAX_STALENESS_MS;
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
    expect(auth.isTrusted()).toBe(true);
    freshness.msSinceHeartbeat = MAX_STALENESS_MS + 1;
    expect(auth.isTrusted()).toBe(false);
  });

  it('decides from auth-service when the projection is stale: a revocation it missed is enforced', async () => {
    const { auth, known, freshness, authService, introspection } = setup();
    const { raw, state } = known();
    freshness.msSinceHeartbeat = Infinity;
    authService.set(state.tokenHash, {
      known: true,
      token: { ...state, revokedAt: '2025-06-01T11:59:00.000Z', version: 2 },
      integration: integrationState(),
    });
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token))),
      'TOKEN_REVOKED',
      401,
      CHALLENGE,
    );
    expect(introspection.calls).toHaveLength(1);
  });
});

describe('authenticate through auth-service answers while the projection is not current', () => {
  it('reuses a positive answer for one second while stale, then asks again', async () => {
    const { auth, known, freshness, introspection, advance } = setup();
    const { raw } = known();
    freshness.msSinceHeartbeat = MAX_STALENESS_MS * 2;
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
    advance(999);
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
    expect(introspection.calls).toHaveLength(1);
    advance(1);
    introspection.mode = { kind: 'fail' };
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(raw.token))),
      'AUTH_UNAVAILABLE',
      503,
      undefined,
    );
    expect(introspection.calls).toHaveLength(2);
  });

  it('validates through auth-service before the projection has caught up', async () => {
    const { auth, known, freshness, introspection } = setup();
    const { raw } = known();
    freshness.caughtUp = false;
    expect(await run(auth.authenticate, requestWith(bearer(raw.token)))).toBeUndefined();
    expect(introspection.calls).toHaveLength(1);
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(generateToken().token))),
      'INVALID_TOKEN',
      401,
      CHALLENGE,
    );
    introspection.mode = { kind: 'fail' };
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(generateToken().token))),
      'AUTH_UNAVAILABLE',
      503,
      undefined,
    );
  });

  it('answers AUTH_UNAVAILABLE rather than INVALID_TOKEN when stale and the concurrency bound is full', async () => {
    const store = createProjectionStore();
    const fallback = createIntrospectionFallback({
      introspect: () => new Promise<IntrospectionAnswer>(() => undefined),
      projection: store,
      clock: () => NOW,
      logger,
      maxConcurrent: 1,
    });
    const auth = createAuthenticator({
      projection: { ...store, isCaughtUp: () => true, msSinceHeartbeat: () => Infinity },
      fallback,
      usage: { record: () => undefined, refuse: () => undefined, count: () => undefined },
      maxStalenessMs: MAX_STALENESS_MS,
      clock: () => NOW,
      logger,
    });
    void run(auth.authenticate, requestWith(bearer(generateToken().token)));
    await expectAuthError(
      run(auth.authenticate, requestWith(bearer(generateToken().token))),
      'AUTH_UNAVAILABLE',
      503,
      undefined,
    );
  });
});

describe('requireScopes', () => {
  async function authenticated(scopes: string[]) {
    const context = setup();
    const { raw } = context.known({ scopes });
    const req = requestWith(bearer(raw.token));
    expect(await run(context.auth.authenticate, req)).toBeUndefined();
    return { ...context, req };
  }

  it('lets a token with every required scope through', async () => {
    const { auth, req } = await authenticated(['integration:suppliers:write', 'integration:suppliers:read']);
    expect(await run(auth.requireScopes('integration:suppliers:write'), req)).toBeUndefined();
  });

  it('rejects a missing scope with 403 INSUFFICIENT_SCOPES naming it, and a challenge listing what the route needs', async () => {
    const { auth, req } = await authenticated(['integration:suppliers:write']);
    const err = await expectAuthError(
      run(auth.requireScopes('integration:suppliers:read', 'integration:suppliers:write'), req),
      'INSUFFICIENT_SCOPES',
      403,
      'Bearer realm="eudr-integration", error="insufficient_scope", scope="integration:suppliers:read integration:suppliers:write"',
    );
    expect(err.message).toContain('integration:suppliers:read');
    expect(err.message).not.toContain('integration:suppliers:write');
  });

  it('matches scopes exactly: write does not imply read', async () => {
    const { auth, req } = await authenticated(['integration:suppliers:write']);
    await expectAuthError(
      run(auth.requireScopes('integration:suppliers:read'), req),
      'INSUFFICIENT_SCOPES',
      403,
      'Bearer realm="eudr-integration", error="insufficient_scope", scope="integration:suppliers:read"',
    );
  });

  it('throws when authenticate did not run, and refuses unknown scope names up front', async () => {
    const { auth } = setup();
    await expect(run(auth.requireScopes('integration:suppliers:read'), requestWith())).rejects.toThrow(
      /authenticate/,
    );
    expect(() => auth.requireScopes('integration:everything' as 'integration:suppliers:read')).toThrow(
      TypeError,
    );
    expect(() => auth.requireScopes()).toThrow(TypeError);
  });
});

describe('usage counts by outcome', () => {
  it('counts each request of a known token once: authenticated, or the code that refused it', async () => {
    const { auth, known, store, counted } = setup();
    const live = known();
    const revoked = known({ revokedAt: '2025-05-01T00:00:00.000Z' });
    const narrow = known({ scopes: ['integration:sync:read'] });
    expect(await run(auth.authenticate, requestWith(bearer(live.raw.token)))).toBeUndefined();
    await run(auth.authenticate, requestWith(bearer(revoked.raw.token)));
    const req = requestWith(bearer(narrow.raw.token));
    expect(await run(auth.authenticate, req)).toBeUndefined();
    await run(auth.requireScopes('integration:suppliers:read'), req);
    await run(auth.authenticate, requestWith(bearer(`eudr_live_${'0'.repeat(48)}`)));
    store.applyIntegration(integrationState({ status: 'INACTIVE', version: 2 }));
    await run(auth.authenticate, requestWith(bearer(live.raw.token)));
    expect(counted).toEqual([
      { tokenId: live.state.tokenId, outcome: 'authenticated' },
      { tokenId: revoked.state.tokenId, outcome: 'TOKEN_REVOKED' },
      { tokenId: narrow.state.tokenId, outcome: 'authenticated' },
      { tokenId: narrow.state.tokenId, outcome: 'INSUFFICIENT_SCOPES' },
      { tokenId: live.state.tokenId, outcome: 'INTEGRATION_INACTIVE' },
    ]);
  });
});
