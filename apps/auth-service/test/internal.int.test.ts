import { generateToken, hashToken } from '@eudr/auth';
import { TOPICS, createKafka, createProducer } from '@eudr/events';
import type { EventProducer } from '@eudr/events';
import { createTestScope, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import pino from 'pino';
import type { RunningAuthService } from '../src/service';
import {
  ADMIN,
  TEST_SERVICE_KEY,
  adminJwt,
  captureLogs,
  client,
  startTestService,
  testConfig,
} from './helpers/auth-service.harness';

// Real HTTP, MongoDB and Kafka: a broker round trip or consumer group join can take seconds.
jest.setTimeout(60_000);

let scope: TestScope | undefined;
let service: RunningAuthService | undefined;
let producer: EventProducer | undefined;
let admin: ReturnType<typeof client>;
let internal: ReturnType<typeof client>;
let integrationId = '';

function url(): string {
  if (!service) throw new Error('service not started');
  return service.url;
}

beforeAll(async () => {
  scope = await createTestScope('auth-internal');
  service = await startTestService(testConfig(scope, { USAGE_FLUSH_MS: '100' }), captureLogs().logger);
  admin = client(url(), await adminJwt('org_internal'));
  internal = client(url());
  const integration = await admin.post(`${ADMIN}/integrations`, { name: 'SAP' });
  integrationId = integration.body['id'] as string;
  const kafka = createKafka({
    brokers: scope.kafkaBrokers,
    clientId: 'auth-service-test-usage-reporter',
    topicPrefix: scope.topicPrefix,
    logger: pino({ level: 'silent' }),
  });
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await service?.stop();
  await scope?.cleanup();
});

async function issueToken(name: string): Promise<{ id: string; token: string }> {
  const res = await admin.post(`${ADMIN}/integrations/${integrationId}/tokens`, {
    name,
    scopes: ['integration:suppliers:read'],
  });
  expect(res.status).toBe(201);
  return { id: res.body['id'] as string, token: res.body['token'] as string };
}

/** `key: null` sends no service key header at all. */
function introspect(tokenHash: unknown, key: string | null = TEST_SERVICE_KEY) {
  return internal.post('/internal/introspect', { tokenHash }, key === null ? {} : { 'x-service-key': key });
}

describe('POST /internal/introspect', () => {
  it('answers 401 without the service key or with a wrong one', async () => {
    const hash = hashToken(generateToken().token);
    for (const key of [null, '', 'wrong-key', `${TEST_SERVICE_KEY}x`, TEST_SERVICE_KEY.slice(0, -1)]) {
      const res = await introspect(hash, key);
      expect(res.status).toBe(401);
      expect(res.body['error']).toBe('AUTHENTICATION_REQUIRED');
    }
  });

  it('does not accept an admin JWT instead of the service key', async () => {
    const res = await internal.post(
      '/internal/introspect',
      { tokenHash: 'a'.repeat(64) },
      { authorization: `Bearer ${await adminJwt('org_internal')}` },
    );
    expect(res.status).toBe(401);
  });

  it('answers {"active": false} and nothing else for an unknown hash', async () => {
    const res = await introspect(hashToken(generateToken().token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('answers the token and integration state for a known hash', async () => {
    const issued = await issueToken('Introspected');
    const res = await introspect(hashToken(issued.token));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      active: true,
      token: {
        tokenId: issued.id,
        tokenHash: hashToken(issued.token),
        orgId: 'org_internal',
        integrationId,
        name: 'Introspected',
        scopes: ['integration:suppliers:read'],
        expiresAt: null,
        revokedAt: null,
        createdAt: expect.any(String),
        version: 1,
      },
      integration: { integrationId, orgId: 'org_internal', status: 'ACTIVE', version: expect.any(Number) },
      policy: null,
    });
    expect(res.text).not.toContain(issued.token);
  });

  it('reports a revoked token as inactive, with the reason and the new version', async () => {
    const issued = await issueToken('Revoked');
    await admin.post(`${ADMIN}/integrations/${integrationId}/tokens/${issued.id}/revoke`);
    const res = await introspect(hashToken(issued.token));
    expect(res.body).toMatchObject({
      active: false,
      reason: 'TOKEN_REVOKED',
      token: { version: 2, revokedAt: expect.any(String) },
    });
  });

  it('reports the tokens of an inactive integration as inactive until it is reactivated', async () => {
    const issued = await issueToken('Paused');
    await admin.patch(`${ADMIN}/integrations/${integrationId}`, { status: 'INACTIVE' });
    expect((await introspect(hashToken(issued.token))).body).toMatchObject({
      active: false,
      reason: 'INTEGRATION_INACTIVE',
      integration: { status: 'INACTIVE' },
    });
    await admin.patch(`${ADMIN}/integrations/${integrationId}`, { status: 'ACTIVE' });
    expect((await introspect(hashToken(issued.token))).body).toMatchObject({
      active: true,
      integration: { status: 'ACTIVE' },
    });
  });

  it('rejects a body that is not a SHA-256 hex digest', async () => {
    for (const tokenHash of [undefined, 'abc', generateToken().token, 'A'.repeat(64)]) {
      const res = await introspect(tokenHash);
      expect(res.status).toBe(400);
      expect(res.body['message']).toMatch(/^tokenHash: /);
    }
  });
});

describe('token usage folding', () => {
  async function lastUsedAt(tokenId: string): Promise<string | null> {
    const res = await admin.get(`${ADMIN}/integrations/${integrationId}/tokens/${tokenId}`);
    return res.body['lastUsedAt'] as string | null;
  }

  async function report(source: string, reports: { tokenId: string; lastUsedAt: string }[]): Promise<void> {
    if (!producer) throw new Error('no producer');
    await producer.publish(TOPICS.authTokenUsage, [{ key: source, value: { source, reports } }]);
  }

  it('folds reports into lastUsedAt as the latest use, which never goes backwards', async () => {
    const a = await issueToken('Used A');
    const b = await issueToken('Used B');
    const versionBefore = (await introspect(hashToken(a.token))).body['token'];

    await report('suppliers-service/1', [
      { tokenId: a.id, lastUsedAt: '2026-01-01T10:00:00.000Z' },
      { tokenId: a.id, lastUsedAt: '2026-01-01T12:00:00.000Z' },
      { tokenId: b.id, lastUsedAt: '2026-01-01T09:00:00.000Z' },
    ]);
    await report('batches-service/1', [{ tokenId: a.id, lastUsedAt: '2026-01-01T11:00:00.000Z' }]);
    await waitFor(
      async () =>
        (await lastUsedAt(a.id)) === '2026-01-01T12:00:00.000Z' &&
        (await lastUsedAt(b.id)) === '2026-01-01T09:00:00.000Z',
      {
        timeoutMs: 30_000,
        message: 'the usage reports to be folded',
      },
    );

    // An older report for A travels with a newer one for B: once B moved, A's report was handled too.
    await report('webhooks-service/1', [
      { tokenId: a.id, lastUsedAt: '2025-12-31T00:00:00.000Z' },
      { tokenId: b.id, lastUsedAt: '2026-01-02T00:00:00.000Z' },
    ]);
    await waitFor(async () => (await lastUsedAt(b.id)) === '2026-01-02T00:00:00.000Z', {
      timeoutMs: 30_000,
      message: 'the second report',
    });
    expect(await lastUsedAt(a.id)).toBe('2026-01-01T12:00:00.000Z');

    // Usage is not part of the published state: no new version.
    expect((await introspect(hashToken(a.token))).body['token']).toEqual(versionBefore);
  });

  it("shows an integration's latest use of any of its tokens in the list and on the integration", async () => {
    const other = await admin.post(`${ADMIN}/integrations`, { name: 'Used ERP' });
    const otherId = other.body['id'] as string;
    const issue = async () =>
      (
        await admin.post(`${ADMIN}/integrations/${otherId}/tokens`, {
          name: 'used',
          scopes: ['integration:sync:read'],
        })
      ).body['id'] as string;
    const [a, b] = [await issue(), await issue()];
    await report('suppliers-service/2', [
      { tokenId: a, lastUsedAt: '2026-02-01T08:00:00.000Z' },
      { tokenId: b, lastUsedAt: '2026-02-03T08:00:00.000Z' },
    ]);
    const integration = async () => (await admin.get(`${ADMIN}/integrations/${otherId}`)).body;
    await waitFor(async () => (await integration())['lastUsedAt'] === '2026-02-03T08:00:00.000Z', {
      timeoutMs: 30_000,
      message: 'the usage reports to be folded',
    });
    expect(await integration()).toMatchObject({ tokenCount: 2, activeTokenCount: 2 });
    const listed = await admin.get(`${ADMIN}/integrations?limit=100`);
    expect((listed.body.data ?? []).find((d) => d['id'] === otherId)).toMatchObject({
      tokenCount: 2,
      activeTokenCount: 2,
      lastUsedAt: '2026-02-03T08:00:00.000Z',
    });
  });
});
