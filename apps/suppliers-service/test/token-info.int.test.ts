import { randomBytes } from 'node:crypto';
import { generateToken } from '@eudr/auth';
import { TOPICS } from '@eudr/events';
import type { TokenState } from '@eudr/events';
import { getInfra, waitFor } from '@eudr/testkit';
import { TOKEN_INFO_PATH } from '../src/token-info/token-info.routes';
import type { TokenInfo } from '../src/token-info/token-info.routes';
import { startHarness } from './helpers/suppliers-harness';
import type { Harness } from './helpers/suppliers-harness';

jest.setTimeout(120_000);

let harness: Harness;

beforeAll(async () => {
  // With Redis, so that the route is rate limited exactly like the others.
  const { redisUrl } = await getInfra();
  harness = await startHarness('suppliers-token-info', {
    env: { REDIS_URL: redisUrl, RATE_LIMIT_KEY_PREFIX: `t.whoami.${randomBytes(4).toString('hex')}.rl:` },
  });
});

afterAll(async () => {
  await harness?.close();
});

let counter = 0;

/** Publishes an integration with `rateLimitPerMinute` and a token of it; waits until the service accepts it. */
async function issue(scopes: string[], rateLimitPerMinute: number) {
  counter += 1;
  const integrationId = `int_whoami_${counter}`;
  const raw = generateToken();
  const state: TokenState = {
    tokenId: `tok_whoami_${counter}`,
    tokenHash: raw.tokenHash,
    orgId: 'org_whoami',
    integrationId,
    name: `connector ${counter}`,
    scopes,
    expiresAt: '2099-01-01T00:00:00.000Z',
    revokedAt: null,
    createdAt: new Date().toISOString(),
    version: 1,
  };
  await harness.producer.publish(TOPICS.authIntegrations, [
    {
      key: integrationId,
      value: { integrationId, orgId: 'org_whoami', status: 'ACTIVE', rateLimitPerMinute, version: 1 },
    },
  ]);
  await harness.producer.publish(TOPICS.authTokens, [{ key: state.tokenId, value: state }]);
  await waitFor(
    // 200 only: until the projection is fresh (states and a heartbeat read) the answer may be a 503.
    async () => (await harness.request('GET', TOKEN_INFO_PATH, { token: raw.token })).status === 200,
    {
      timeoutMs: 15_000,
      message: 'the service to accept the new token',
    },
  );
  return { token: raw.token, state };
}

describe('GET /api/v1/integration/token', () => {
  it('answers any valid token, whatever its scopes, with its id, name, scopes, expiry and integration', async () => {
    const { token, state } = await issue(['integration:sync:read'], 1_000);
    const answer = await harness.request<TokenInfo>('GET', TOKEN_INFO_PATH, { token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: state.tokenId,
      name: state.name,
      scopes: ['integration:sync:read'],
      expiresAt: '2099-01-01T00:00:00.000Z',
      createdAt: state.createdAt,
      integrationId: state.integrationId,
      orgId: 'org_whoami',
    });
  });

  it('is counted by the rate limiter like every integration call', async () => {
    const { token } = await issue(['integration:suppliers:read'], 4);
    // issue() spent one or more calls of the window; the rest are counted down to a 429.
    const statuses: number[] = [];
    const remaining: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const answer = await harness.request('GET', TOKEN_INFO_PATH, { token });
      statuses.push(answer.status);
      remaining.push(answer.headers.get('x-ratelimit-remaining') ?? '');
      expect(answer.headers.get('x-ratelimit-limit')).toBe('4');
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(statuses.slice(statuses.indexOf(429)).every((s) => s === 429)).toBe(true);
    // Shared with the other routes: the suppliers list is refused too once the budget is spent.
    expect((await harness.request('GET', '/api/v1/integration/suppliers', { token })).status).toBe(429);
    expect(remaining.at(-1)).toBe('0');
  });

  it('refuses a missing token with AUTHENTICATION_REQUIRED and a revoked one with TOKEN_REVOKED', async () => {
    const missing = await harness.request('GET', TOKEN_INFO_PATH);
    expect({ status: missing.status, error: missing.body['error'] }).toEqual({
      status: 401,
      error: 'AUTHENTICATION_REQUIRED',
    });
    const { token, state } = await issue(['integration:suppliers:write'], 1_000);
    await harness.producer.publish(TOPICS.authTokens, [
      { key: state.tokenId, value: { ...state, revokedAt: new Date().toISOString(), version: 2 } },
    ]);
    await waitFor(async () => (await harness.request('GET', TOKEN_INFO_PATH, { token })).status === 401, {
      timeoutMs: 15_000,
    });
    const revoked = await harness.request('GET', TOKEN_INFO_PATH, { token });
    expect(revoked.body['error']).toBe('TOKEN_REVOKED');
    expect(JSON.stringify(revoked.body)).not.toContain(token);
  });
});
