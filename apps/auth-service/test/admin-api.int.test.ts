import { SCOPES, checksumOk, isWellFormedToken } from '@eudr/auth';
import { createTestScope, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import type { RunningAuthService } from '../src/service';
import {
  ADMIN,
  adminJwt,
  captureLogs,
  client,
  startTestService,
  testConfig,
} from './helpers/auth-service.harness';

const FULL_TOKEN = /eudr_live_[0-9a-f]{48}/;

// Real HTTP, MongoDB and Kafka: a broker round trip or consumer group join can take seconds.
jest.setTimeout(60_000);

let scope: TestScope | undefined;
let service: RunningAuthService | undefined;
let orgA: ReturnType<typeof client>;
let orgB: ReturnType<typeof client>;
let anonymous: ReturnType<typeof client>;

function url(): string {
  if (!service) throw new Error('service not started');
  return service.url;
}

beforeAll(async () => {
  scope = await createTestScope('auth-admin-api');
  const logs = captureLogs();
  service = await startTestService(testConfig(scope), logs.logger);
  orgA = client(url(), await adminJwt('org_a', { sub: 'alice' }));
  orgB = client(url(), await adminJwt('org_b', { sub: 'bob' }));
  anonymous = client(url());
});

afterAll(async () => {
  await service?.stop();
  await scope?.cleanup();
});

async function createIntegration(api = orgA, name = 'SAP S/4HANA'): Promise<string> {
  const res = await api.post(`${ADMIN}/integrations`, { name, description: 'Main ERP' });
  expect(res.status).toBe(201);
  return res.body['id'] as string;
}

async function createToken(
  integrationId: string,
  body: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const res = await orgA.post(`${ADMIN}/integrations/${integrationId}/tokens`, {
    name: 'Nightly sync',
    scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('the admin lifecycle through HTTP', () => {
  it('creates an integration, issues a token, lists it without secrets, revokes it twice, deactivates and reactivates', async () => {
    const created = await orgA.post(`${ADMIN}/integrations`, {
      name: '  SAP S/4HANA  ',
      description: 'Main ERP',
      orgId: 'org_b',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^int_[0-9a-f]{24}$/),
      name: 'SAP S/4HANA',
      description: 'Main ERP',
      status: 'ACTIVE',
      rateLimitPerMinute: 100,
      allowedAddresses: [],
      createdAt: expect.any(String),
      createdBy: 'alice',
      updatedAt: expect.any(String),
      tokenCount: 0,
      activeTokenCount: 0,
      lastUsedAt: null,
      // The broker acknowledged the new state before the answer.
      published: true,
    });
    const integrationId = created.body['id'] as string;

    const issued = await orgA.post(`${ADMIN}/integrations/${integrationId}/tokens`, {
      name: 'Nightly sync',
      scopes: ['integration:suppliers:read', 'integration:batches:write'],
      expiresInDays: 90,
    });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const raw = issued.body['token'] as string;
    expect(isWellFormedToken(raw)).toBe(true);
    expect(checksumOk(raw)).toBe(true);
    expect(issued.body).toMatchObject({
      id: expect.stringMatching(/^tok_[0-9a-f]{24}$/),
      integrationId,
      name: 'Nightly sync',
      tokenPrefix: raw.slice(0, 18) + '…',
      lastFour: raw.slice(-4),
      scopes: ['integration:suppliers:read', 'integration:batches:write'],
      status: 'ACTIVE',
      createdBy: 'alice',
      revokedAt: null,
      lastUsedAt: null,
      published: true,
    });
    const expiresAt = Date.parse(issued.body['expiresAt'] as string);
    expect(Math.abs(expiresAt - (Date.now() + 90 * 86_400_000))).toBeLessThan(60_000);
    const tokenId = issued.body['id'] as string;

    const listed = await orgA.get(`${ADMIN}/integrations/${integrationId}/tokens`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 1, page: 1, limit: 50 });
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        id: tokenId,
        name: 'Nightly sync',
        tokenPrefix: issued.body['tokenPrefix'],
        status: 'ACTIVE',
      }),
    ]);
    expect(listed.text).not.toContain(raw);
    expect(listed.text).not.toMatch(FULL_TOKEN);
    expect(listed.body.data?.[0]).not.toHaveProperty('token');
    expect(listed.body.data?.[0]).not.toHaveProperty('tokenHash');

    const one = await orgA.get(`${ADMIN}/integrations/${integrationId}/tokens/${tokenId}`);
    expect(one.status).toBe(200);
    expect(one.text).not.toMatch(FULL_TOKEN);
    expect(one.body).toMatchObject({ id: tokenId, status: 'ACTIVE' });

    const revoked = await orgA.post(`${ADMIN}/integrations/${integrationId}/tokens/${tokenId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      id: tokenId,
      status: 'REVOKED',
      revokedAt: expect.any(String),
      published: true,
    });
    const again = await orgA.post(`${ADMIN}/integrations/${integrationId}/tokens/${tokenId}/revoke`);
    expect(again.status).toBe(200);
    expect(again.body['revokedAt']).toBe(revoked.body['revokedAt']);

    const deactivated = await orgA.patch(`${ADMIN}/integrations/${integrationId}`, { status: 'INACTIVE' });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: integrationId, status: 'INACTIVE', published: true });
    expect((await orgA.get(`${ADMIN}/integrations/${integrationId}`)).body['status']).toBe('INACTIVE');

    // Tokens may still be issued and revoked while the integration is inactive.
    const whileInactive = await createToken(integrationId);
    const revokedWhileInactive = await orgA.post(
      `${ADMIN}/integrations/${integrationId}/tokens/${String(whileInactive['id'])}/revoke`,
    );
    expect(revokedWhileInactive.status).toBe(200);

    const reactivated = await orgA.patch(`${ADMIN}/integrations/${integrationId}`, {
      status: 'ACTIVE',
      name: 'SAP (prod)',
    });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toMatchObject({ status: 'ACTIVE', name: 'SAP (prod)' });

    const audit = await orgA.get(`${ADMIN}/audit-log?limit=100`);
    expect(audit.status).toBe(200);
    const actions = (audit.body.data ?? [])
      .filter((e) => [integrationId, tokenId, whileInactive['id']].includes(e['targetId']))
      .map((e) => e['action']);
    // Newest first; the second revoke changed nothing and is not an audited change.
    expect(actions).toEqual([
      'integration.updated',
      'token.revoked',
      'token.created',
      'integration.updated',
      'token.revoked',
      'token.created',
      'integration.created',
    ]);
    expect(audit.body.data?.every((e) => e['actor'] === 'alice')).toBe(true);
    expect(audit.text).not.toMatch(/eudr_live_/);
  });

  it('sets, changes and resets the rate limit per minute of an integration, and audits each change', async () => {
    const created = await orgA.post(`${ADMIN}/integrations`, {
      name: 'Rate-limited ERP',
      rateLimitPerMinute: 600,
    });
    expect(created.status).toBe(201);
    expect(created.body['rateLimitPerMinute']).toBe(600);
    const integrationId = created.body['id'] as string;

    const lowered = await orgA.patch(`${ADMIN}/integrations/${integrationId}`, { rateLimitPerMinute: 5 });
    expect(lowered.status).toBe(200);
    expect((await orgA.get(`${ADMIN}/integrations/${integrationId}`)).body['rateLimitPerMinute']).toBe(5);

    const reset = await orgA.patch(`${ADMIN}/integrations/${integrationId}`, { rateLimitPerMinute: null });
    expect(reset.body['rateLimitPerMinute']).toBe(100);

    const invalid = await orgA.patch(`${ADMIN}/integrations/${integrationId}`, { rateLimitPerMinute: 0 });
    expect(invalid.status).toBe(400);
    expect(invalid.body['error']).toBe('VALIDATION_ERROR');
    expect(String(invalid.body['message'])).toMatch(/^rateLimitPerMinute: /);

    const audit = await orgA.get(`${ADMIN}/audit-log?limit=100`);
    const changes = (audit.body.data ?? [])
      .filter((e) => e['targetId'] === integrationId && e['action'] === 'integration.updated')
      .map((e) => (e['details'] as { changes: Record<string, unknown> }).changes['rateLimitPerMinute']);
    expect(changes).toEqual([
      { from: 5, to: null },
      { from: 600, to: 5 },
    ]);
  });

  it('counts the tokens of each integration, and filters its token list by status', async () => {
    const integrationId = await createIntegration(orgA, 'Counted ERP');
    const active = (await createToken(integrationId))['id'];
    const revoked = (await createToken(integrationId))['id'] as string;
    expect((await orgA.post(`${ADMIN}/integrations/${integrationId}/tokens/${revoked}/revoke`)).status).toBe(
      200,
    );
    const expiring = await createToken(integrationId, {
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    });
    const statusOf = async (id: unknown) =>
      (await orgA.get(`${ADMIN}/integrations/${integrationId}/tokens/${String(id)}`)).body['status'];
    await waitFor(async () => (await statusOf(expiring['id'])) === 'EXPIRED', { timeoutMs: 10_000 });

    const counts = { tokenCount: 3, activeTokenCount: 1, lastUsedAt: null };
    expect((await orgA.get(`${ADMIN}/integrations/${integrationId}`)).body).toMatchObject(counts);
    const listed = await orgA.get(`${ADMIN}/integrations?limit=100`);
    expect((listed.body.data ?? []).find((d) => d['id'] === integrationId)).toMatchObject(counts);
    const renamed = await orgA.patch(`${ADMIN}/integrations/${integrationId}`, { name: 'Counted ERP 2' });
    expect(renamed.body).toMatchObject(counts);

    const byStatus = async (status: string) => {
      const res = await orgA.get(`${ADMIN}/integrations/${integrationId}/tokens?status=${status}`);
      expect(res.status).toBe(200);
      return { total: res.body['total'], ids: (res.body.data ?? []).map((d) => d['id']) };
    };
    expect(await byStatus('ACTIVE')).toEqual({ total: 1, ids: [active] });
    expect(await byStatus('REVOKED')).toEqual({ total: 1, ids: [revoked] });
    expect(await byStatus('EXPIRED')).toEqual({ total: 1, ids: [expiring['id']] });
    const all = await orgA.get(`${ADMIN}/integrations/${integrationId}/tokens`);
    expect(all.body['total']).toBe(3);

    for (const bad of ['active', 'ACTIVE&status=REVOKED', 'X'.repeat(300)]) {
      const res = await orgA.get(`${ADMIN}/integrations/${integrationId}/tokens?status=${bad}`);
      expect(res.status).toBe(400);
      expect(res.body['message']).toMatch(/^status: must be one of ACTIVE, REVOKED, EXPIRED/);
    }
  });

  it('leaves a token expiring at the given instant, or never', async () => {
    const integrationId = await createIntegration();
    const at = new Date(Date.now() + 7 * 86_400_000).toISOString();
    expect((await createToken(integrationId, { expiresAt: at }))['expiresAt']).toBe(at);
    expect((await createToken(integrationId))['expiresAt']).toBeNull();
  });

  it('lists the scope registry with labels and descriptions', async () => {
    const res = await orgA.get(`${ADMIN}/scopes`);
    expect(res.status).toBe(200);
    expect(res.body['items']).toEqual(
      SCOPES.map(({ scope: name, label, description }) => ({ scope: name, label, description })),
    );
  });

  it('pages integrations newest first in a stable order', async () => {
    const api = client(url(), await adminJwt('org_pages'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await createIntegration(api, `Integration ${i}`));
    const first = await api.get(`${ADMIN}/integrations?limit=2`);
    const second = await api.get(`${ADMIN}/integrations?limit=2&page=2`);
    const third = await api.get(`${ADMIN}/integrations?limit=2&page=3`);
    expect(first.body).toMatchObject({ total: 5, page: 1, limit: 2 });
    const seen = [first, second, third].flatMap((res) => (res.body.data ?? []).map((d) => d['id']));
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect((first.body.data ?? [])[0]?.['name']).toBe('Integration 4');
    expect((await api.get(`${ADMIN}/integrations?limit=2&page=4`)).body.data).toEqual([]);
  });
});

describe('organisation isolation', () => {
  it("answers 404 NOT_FOUND on every route to another organisation's ids, and changes nothing", async () => {
    const integrationId = await createIntegration();
    const tokenId = (await createToken(integrationId))['id'] as string;
    const base = `${ADMIN}/integrations/${integrationId}`;
    const attempts = [
      orgB.get(base),
      orgB.patch(base, { status: 'INACTIVE' }),
      orgB.get(`${base}/tokens`),
      orgB.post(`${base}/tokens`, { name: 'Stolen', scopes: ['integration:dds:read'] }),
      orgB.get(`${base}/tokens/${tokenId}`),
      orgB.post(`${base}/tokens/${tokenId}/revoke`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body['error']).toBe('NOT_FOUND');
    }
    const listB = await orgB.get(`${ADMIN}/integrations`);
    expect((listB.body.data ?? []).map((d) => d['id'])).not.toContain(integrationId);
    const auditB = await orgB.get(`${ADMIN}/audit-log`);
    expect(auditB.text).not.toContain(integrationId);
    const token = await orgA.get(`${base}/tokens/${tokenId}`);
    expect(token.body['status']).toBe('ACTIVE');
    expect((await orgA.get(base)).body['status']).toBe('ACTIVE');
  });

  it('answers 404 to a token addressed through another integration of the same organisation', async () => {
    const first = await createIntegration();
    const second = await createIntegration();
    const tokenId = (await createToken(first))['id'] as string;
    expect((await orgA.get(`${ADMIN}/integrations/${second}/tokens/${tokenId}`)).status).toBe(404);
    expect((await orgA.post(`${ADMIN}/integrations/${second}/tokens/${tokenId}/revoke`)).status).toBe(404);
  });

  it.each([
    ['GET', '/integrations/int_doesnotexist'],
    ['GET', '/integrations/int_0123456789abcdef01234567'],
    ['PATCH', '/integrations/%7B%22%24ne%22%3Anull%7D'],
    ['GET', '/integrations/int_0123456789abcdef01234567/tokens'],
    ['GET', '/integrations/int_0123456789abcdef01234567/tokens/tok_0123456789abcdef01234567'],
    ['POST', '/integrations/int_0123456789abcdef01234567/tokens/tok_nope/revoke'],
  ])('answers 404 NOT_FOUND to %s %s', async (method, path) => {
    const res =
      method === 'GET'
        ? await orgA.get(`${ADMIN}${path}`)
        : method === 'PATCH'
          ? await orgA.patch(`${ADMIN}${path}`, { name: 'x' })
          : await orgA.post(`${ADMIN}${path}`);
    expect(res.status).toBe(404);
    expect(res.body['error']).toBe('NOT_FOUND');
  });
});

describe('validation', () => {
  let integrationId: string;
  beforeAll(async () => {
    integrationId = await createIntegration();
  });

  const tokenCases: [string, unknown, RegExp][] = [
    ['a missing name', { scopes: ['integration:dds:read'] }, /^name: is required/],
    ['a blank name', { name: '   ', scopes: ['integration:dds:read'] }, /^name: must be 1 to 100 characters/],
    [
      'a name of 101 characters',
      { name: 'n'.repeat(101), scopes: ['integration:dds:read'] },
      /^name: must be 1 to 100/,
    ],
    ['no scopes', { name: 'x' }, /^scopes: is required/],
    ['an empty scope list', { name: 'x', scopes: [] }, /^scopes: must list at least one scope/],
    [
      'unknown scopes',
      { name: 'x', scopes: ['integration:dds:read', 'integration:dds:write', 'root'] },
      /^scopes: contains unknown scopes: "integration:dds:write", "root"/,
    ],
    [
      'a duplicated scope',
      { name: 'x', scopes: ['integration:dds:read', 'integration:dds:read'] },
      /^scopes: lists integration:dds:read more than once/,
    ],
    [
      'an expiry in the past',
      { name: 'x', scopes: ['integration:dds:read'], expiresAt: '2020-01-01T00:00:00Z' },
      /^expiresAt: must be in the future/,
    ],
    [
      'an expiry that is not a date',
      { name: 'x', scopes: ['integration:dds:read'], expiresAt: 'tomorrow' },
      /^expiresAt: must be an ISO 8601/,
    ],
    [
      'expiresInDays 0',
      { name: 'x', scopes: ['integration:dds:read'], expiresInDays: 0 },
      /^expiresInDays: must be an integer number of days between 1 and 365/,
    ],
    [
      'expiresInDays 366',
      { name: 'x', scopes: ['integration:dds:read'], expiresInDays: 366 },
      /^expiresInDays: must be an integer/,
    ],
    [
      'both expiresAt and expiresInDays',
      { name: 'x', scopes: ['integration:dds:read'], expiresInDays: 5, expiresAt: '2099-01-01T00:00:00Z' },
      /^expiresAt: cannot be combined with expiresInDays/,
    ],
  ];

  it.each(tokenCases)(
    'rejects a token with %s: 400 VALIDATION_ERROR naming the field',
    async (_label, body, message) => {
      const res = await orgA.post(`${ADMIN}/integrations/${integrationId}/tokens`, body);
      expect(res.status).toBe(400);
      expect(res.body['error']).toBe('VALIDATION_ERROR');
      expect(res.body['message']).toMatch(message);
    },
  );

  const integrationCases: [string, 'post' | 'patch', unknown, RegExp][] = [
    ['a missing name', 'post', { description: 'x' }, /^name: is required/],
    ['a name of 101 characters', 'post', { name: 'n'.repeat(101) }, /^name: must be 1 to 100/],
    [
      'a description of 1001 characters',
      'post',
      { name: 'ok', description: 'd'.repeat(1001) },
      /^description: must be at most 1000/,
    ],
    ['an unknown status', 'patch', { status: 'DELETED' }, /^status: must be "ACTIVE" or "INACTIVE"/],
    ['a blank name', 'patch', { name: '' }, /^name: must be 1 to 100/],
    [
      'nothing to change',
      'patch',
      { unknown: true },
      /must contain at least one of name, description, status/,
    ],
  ];

  it.each(integrationCases)(
    'rejects an integration with %s: 400 VALIDATION_ERROR naming the field',
    async (_label, method, body, message) => {
      const res =
        method === 'post'
          ? await orgA.post(`${ADMIN}/integrations`, body)
          : await orgA.patch(`${ADMIN}/integrations/${integrationId}`, body);
      expect(res.status).toBe(400);
      expect(res.body['error']).toBe('VALIDATION_ERROR');
      expect(res.body['message']).toMatch(message);
    },
  );

  it.each([
    ['page=0', /^page: must be an integer of at least 1/],
    ['limit=0', /^limit: must be an integer between 1 and 100/],
    ['limit=101', /^limit: must be an integer between 1 and 100/],
    ['page=abc', /^page: must be an integer/],
  ])('rejects a list query with %s', async (query, message) => {
    for (const path of ['/integrations', `/integrations/${integrationId}/tokens`, '/audit-log']) {
      const res = await orgA.get(`${ADMIN}${path}?${query}`);
      expect(res.status).toBe(400);
      expect(res.body['error']).toBe('VALIDATION_ERROR');
      expect(res.body['message']).toMatch(message);
    }
  });

  it('rejects a body that is not JSON', async () => {
    const res = await fetch(`${url()}${ADMIN}/integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminJwt('org_a')}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('INVALID_JSON');
  });
});

describe('admin JWT', () => {
  it('answers 401 AUTHENTICATION_REQUIRED without an Authorization header, on every admin path', async () => {
    for (const path of ['/scopes', '/integrations', '/audit-log', '/no-such-route']) {
      const res = await anonymous.get(`${ADMIN}${path}`);
      expect(res.status).toBe(401);
      expect(res.body['error']).toBe('AUTHENTICATION_REQUIRED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    }
  });

  it.each([
    ['a malformed token', 'Bearer not-a-jwt'],
    ['the Basic scheme', 'Basic YWRtaW46YWRtaW4='],
    ['an integration API token', 'Bearer eudr_live_0123456789abcdef0123456789abcdef0123456789abcdef'],
    ['a JWT with a garbled signature', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
  ])('answers 401 INVALID_ADMIN_TOKEN to %s', async (_label, header) => {
    const res = await anonymous.get(`${ADMIN}/integrations`, { authorization: header });
    expect(res.status).toBe(401);
    expect(res.body['error']).toBe('INVALID_ADMIN_TOKEN');
  });

  it('answers 401 INVALID_ADMIN_TOKEN to a token signed with the wrong secret', async () => {
    const jwt = await adminJwt('org_a', { secret: 'some-other-secret-0123456789abcdef012' });
    const res = await client(url(), jwt).get(`${ADMIN}/integrations`);
    expect(res.status).toBe(401);
    expect(res.body['error']).toBe('INVALID_ADMIN_TOKEN');
  });

  it('answers 401 ADMIN_TOKEN_EXPIRED to an expired token', async () => {
    const res = await client(url(), await adminJwt('org_a', { expiresIn: -120 })).get(
      `${ADMIN}/integrations`,
    );
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      error: 'ADMIN_TOKEN_EXPIRED',
      message: expect.stringMatching(/expired/),
    });
  });

  it('answers 403 FORBIDDEN to a user who is not an admin, or names no organisation', async () => {
    for (const jwt of [
      await adminJwt('org_a', { role: 'viewer' }),
      await adminJwt('org_a', { role: null }),
      await adminJwt('org_a', { omitOrg: true }),
    ]) {
      const res = await client(url(), jwt).post(`${ADMIN}/integrations`, { name: 'Sneaky' });
      expect(res.status).toBe(403);
      expect(res.body['error']).toBe('FORBIDDEN');
    }
  });
});
