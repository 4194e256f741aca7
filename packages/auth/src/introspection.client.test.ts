import { integrationState, issueToken } from '../test/helpers/auth-fixtures';
import { IntrospectionError, createIntrospectionClient, introspectionEndpoint } from './introspection.client';

interface SeenCall {
  url: string;
  init: RequestInit | undefined;
}

/** A fetch that records its calls and answers with `status` and `body`. */
function fakeFetch(status: number, body: unknown, seen: SeenCall[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(input), init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

describe('introspectionEndpoint', () => {
  it('appends the introspection path to a base URL and keeps a full endpoint URL as it is', () => {
    expect(introspectionEndpoint('http://127.0.0.1:4001')).toBe('http://127.0.0.1:4001/internal/introspect');
    expect(introspectionEndpoint('http://auth-service:4001/')).toBe(
      'http://auth-service:4001/internal/introspect',
    );
    expect(introspectionEndpoint('http://127.0.0.1:4001/internal/introspect')).toBe(
      'http://127.0.0.1:4001/internal/introspect',
    );
  });
});

describe('the introspection client, for a known token', () => {
  it('posts the hash with the service key and returns a positive answer', async () => {
    const { state } = issueToken();
    const seen: SeenCall[] = [];
    const introspect = createIntrospectionClient({
      url: 'http://127.0.0.1:4001',
      serviceKey: 'service-key-1',
      fetch: fakeFetch(200, { active: true, token: state, integration: integrationState() }, seen),
    });
    expect(await introspect(state.tokenHash)).toEqual({
      known: true,
      token: state,
      integration: integrationState(),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('http://127.0.0.1:4001/internal/introspect');
    expect(seen[0]?.init?.method).toBe('POST');
    expect(new Headers(seen[0]?.init?.headers).get('x-service-key')).toBe('service-key-1');
    expect(JSON.parse(String(seen[0]?.init?.body))).toEqual({ tokenHash: state.tokenHash });
    expect(seen[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('returns a known token that is not usable (revoked) with its state, so the caller can say why', async () => {
    const { state } = issueToken();
    const revoked = { ...state, revokedAt: new Date().toISOString(), version: state.version + 1 };
    const introspect = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      fetch: fakeFetch(200, { active: false, reason: 'TOKEN_REVOKED', token: revoked, integration: null }),
    });
    expect(await introspect(state.tokenHash)).toEqual({ known: true, token: revoked, integration: null });
  });

  it("passes the organisation's policy on, and refuses another organisation's", async () => {
    const { state } = issueToken();
    const policy = {
      type: 'org-policy',
      orgId: state.orgId,
      maxTokenLifetimeDays: 90,
      requireExpiry: true,
      version: 2,
    };
    const answer = { active: true, token: state, integration: integrationState(), policy };
    const introspect = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      fetch: fakeFetch(200, answer),
    });
    expect(await introspect(state.tokenHash)).toEqual({
      known: true,
      token: state,
      integration: integrationState(),
      policy,
    });
    const foreign = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      fetch: fakeFetch(200, { ...answer, policy: { ...policy, orgId: 'org_other' } }),
    });
    await expect(foreign(state.tokenHash)).rejects.toThrow(IntrospectionError);
  });
});

describe('the introspection client, for an unknown hash or a failed call', () => {
  it('returns a negative answer for an unknown hash', async () => {
    const introspect = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      fetch: fakeFetch(200, { active: false }),
    });
    expect(await introspect('a'.repeat(64))).toEqual({ known: false });
  });

  it.each([
    ['a non-200 status', 500, { active: false }],
    ['a rejected service key', 401, { error: 'INVALID_SERVICE_KEY' }],
    ['a body that does not fit', 200, { active: 'yes' }],
    ['a positive answer without the integration', 200, { active: true, token: issueToken().state }],
  ])('fails on %s', async (_name, status, body) => {
    const introspect = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      fetch: fakeFetch(status, body),
    });
    await expect(introspect(issueToken().state.tokenHash)).rejects.toBeInstanceOf(IntrospectionError);
  });

  it('fails when the answer is about another token', async () => {
    const { state } = issueToken();
    const introspect = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      fetch: fakeFetch(200, { active: true, token: state, integration: integrationState() }),
    });
    await expect(introspect(issueToken().state.tokenHash)).rejects.toThrow('another token');
  });

  it('fails when the network call fails or times out', async () => {
    const introspect = createIntrospectionClient({
      url: 'http://x',
      serviceKey: 'k',
      timeoutMs: 20,
      fetch: ((_url: string, init?: RequestInit) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        })) as typeof fetch,
    });
    await expect(introspect('a'.repeat(64))).rejects.toBeInstanceOf(IntrospectionError);
  });
});
