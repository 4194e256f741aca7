import { hashToken } from '@eudr/auth';
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

// Real HTTP, MongoDB and Kafka.
jest.setTimeout(60_000);

const DAY = 24 * 60 * 60 * 1000;

let scope: TestScope | undefined;
let service: RunningAuthService | undefined;
let producer: EventProducer | undefined;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  scope = await createTestScope('auth-access-policies');
  service = await startTestService(testConfig(scope, { USAGE_FLUSH_MS: '100' }), captureLogs().logger);
  admin = client(service.url, await adminJwt('org_policies'));
  producer = createProducer(
    createKafka({
      brokers: scope.kafkaBrokers,
      clientId: 'auth-service-test-access-policies',
      topicPrefix: scope.topicPrefix,
      logger: pino({ level: 'silent' }),
    }),
  );
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await service?.stop();
  await scope?.cleanup();
});

async function integration(body: Record<string, unknown> = {}): Promise<string> {
  const res = await admin.post(`${ADMIN}/integrations`, { name: 'ERP', ...body });
  expect(res.status).toBe(201);
  return res.body['id'] as string;
}

describe('IP allowlists of integrations', () => {
  it('stores the list normalised, on create and PATCH, and audits the change', async () => {
    const created = await admin.post(`${ADMIN}/integrations`, {
      name: 'Fixed egress',
      allowedAddresses: ['203.0.113.9/24', ' 198.51.100.7 ', '2001:DB8::1/128', '203.0.113.0/24'],
    });
    expect(created.status).toBe(201);
    expect(created.body['allowedAddresses']).toEqual(['203.0.113.0/24', '198.51.100.7', '2001:db8::1']);
    const id = created.body['id'] as string;
    const patched = await admin.patch(`${ADMIN}/integrations/${id}`, {
      allowedAddresses: ['::ffff:10.0.0.1'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body['allowedAddresses']).toEqual(['10.0.0.1']);
    expect((await admin.get(`${ADMIN}/integrations/${id}`)).body['allowedAddresses']).toEqual(['10.0.0.1']);
    const cleared = await admin.patch(`${ADMIN}/integrations/${id}`, { allowedAddresses: [] });
    expect(cleared.body['allowedAddresses']).toEqual([]);
    const audit = await admin.get(`${ADMIN}/audit-log?limit=100`);
    const entry = (audit.body.data ?? []).find(
      (e) => e['targetId'] === id && e['action'] === 'integration.updated',
    );
    expect(entry?.['details']).toEqual({ changes: { allowedAddresses: { from: ['10.0.0.1'], to: [] } } });
  });

  it('refuses a bad entry naming it, more than 100 entries, and an overlong string, with 400', async () => {
    const id = await integration();
    const bad = await admin.patch(`${ADMIN}/integrations/${id}`, {
      allowedAddresses: ['10.0.0.1', 'example.com', '10.0.0.0/33'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toBe('VALIDATION_ERROR');
    expect((bad.body['details'] as { field: string }[]).map((d) => d.field)).toEqual([
      'allowedAddresses[1]',
      'allowedAddresses[2]',
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    expect((await admin.patch(`${ADMIN}/integrations/${id}`, { allowedAddresses: many })).status).toBe(400);
    expect(
      (await admin.patch(`${ADMIN}/integrations/${id}`, { allowedAddresses: many.slice(0, 100) })).status,
    ).toBe(200);
    const long = await admin.patch(`${ADMIN}/integrations/${id}`, {
      allowedAddresses: ['1'.repeat(100_000)],
    });
    expect(long.status).toBe(400);
  });

  it('publishes the list with the integration state, as introspection shows it', async () => {
    const id = await integration({ allowedAddresses: ['192.0.2.0/24'] });
    const token = await admin.post(`${ADMIN}/integrations/${id}/tokens`, {
      name: 't',
      scopes: ['integration:suppliers:read'],
    });
    const answer = await client(service?.url ?? '').post(
      '/internal/introspect',
      { tokenHash: hashToken(token.body['token'] as string) },
      { 'x-service-key': TEST_SERVICE_KEY },
    );
    expect(answer.body['integration']).toMatchObject({
      integrationId: id,
      allowedAddresses: ['192.0.2.0/24'],
    });
  });
});

describe('the organisation token policy', () => {
  const open = { maxTokenLifetimeDays: null, requireExpiry: false, defaultTokenLifetimeDays: null };

  it('is open until set, and refuses an incomplete or inconsistent policy', async () => {
    const other = client(service?.url ?? '', await adminJwt('org_policy_never_set'));
    expect((await other.get(`${ADMIN}/policy`)).body).toEqual({
      ...open,
      updatedAt: null,
      updatedBy: null,
      published: true,
    });
    const missing = await admin.put(`${ADMIN}/policy`, { maxTokenLifetimeDays: 90 });
    expect(missing.status).toBe(400);
    expect((missing.body['details'] as { field: string }[]).map((d) => d.field)).toEqual([
      'requireExpiry',
      'defaultTokenLifetimeDays',
    ]);
    const inconsistent = await admin.put(`${ADMIN}/policy`, {
      maxTokenLifetimeDays: 30,
      requireExpiry: true,
      defaultTokenLifetimeDays: 60,
    });
    expect(inconsistent.status).toBe(400);
    expect(inconsistent.body['message']).toContain(
      'defaultTokenLifetimeDays: must not exceed maxTokenLifetimeDays (30)',
    );
    for (const value of [0, 1831, 1.5, '90']) {
      const res = await admin.put(`${ADMIN}/policy`, { ...open, maxTokenLifetimeDays: value });
      expect(res.status).toBe(400);
    }
  });

  it('names the live tokens a stricter policy blocks in a dry run, then blocks them once saved, audited and published', async () => {
    const id = await integration();
    const issue = async (name: string, body: Record<string, unknown>) =>
      (
        await admin.post(`${ADMIN}/integrations/${id}/tokens`, {
          name,
          scopes: ['integration:suppliers:read'],
          ...body,
        })
      ).body;
    const forever = await issue('forever', { expiresAt: null });
    const year = await issue('a year', { expiresInDays: 365 });
    const month = await issue('a month', { expiresInDays: 30 });
    const revoked = await issue('revoked', { expiresAt: null });
    await admin.post(`${ADMIN}/integrations/${id}/tokens/${revoked['id'] as string}/revoke`);

    const strict = { maxTokenLifetimeDays: 90, requireExpiry: true, defaultTokenLifetimeDays: 30 };
    const dryRun = await admin.post(`${ADMIN}/policy/dry-run`, strict);
    expect(dryRun.status).toBe(200);
    expect(dryRun.body['policy']).toEqual(strict);
    const named = (dryRun.body['affectedTokens'] as { id: string; reason: string }[]).filter((t) =>
      [forever['id'], year['id'], month['id'], revoked['id']].includes(t.id),
    );
    expect(named.map((t) => t.id).sort()).toEqual([forever['id'], year['id']].sort());
    expect(named.find((t) => t.id === year['id'])?.reason).toContain(
      'at most 90 days (this token: 365 days)',
    );
    expect(named.find((t) => t.id === forever['id'])?.reason).toContain('this token never expires');
    // Nothing was saved by the dry run.
    expect((await admin.get(`${ADMIN}/policy`)).body).toMatchObject(open);

    const saved = await admin.put(`${ADMIN}/policy`, strict);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ...strict, updatedBy: 'admin-of-org_policies', published: true });
    expect(saved.body['affectedTokenCount']).toBeGreaterThanOrEqual(2);
    expect((await admin.get(`${ADMIN}/policy`)).body).toMatchObject(strict);
    const audit = await admin.get(`${ADMIN}/audit-log?limit=100`);
    const entry = (audit.body.data ?? []).find((e) => e['action'] === 'policy.updated');
    expect(entry).toMatchObject({
      targetType: 'policy',
      targetId: 'org_policies',
      details: {
        changes: {
          maxTokenLifetimeDays: { from: null, to: 90 },
          requireExpiry: { from: false, to: true },
          defaultTokenLifetimeDays: { from: null, to: 30 },
        },
      },
    });
    // Introspection carries the policy, so a replica deciding through it blocks too.
    const introspected = await client(service?.url ?? '').post(
      '/internal/introspect',
      { tokenHash: hashToken(year['token'] as string) },
      { 'x-service-key': TEST_SERVICE_KEY },
    );
    expect(introspected.body['policy']).toEqual({
      type: 'org-policy',
      orgId: 'org_policies',
      maxTokenLifetimeDays: 90,
      requireExpiry: true,
      version: expect.any(Number),
    });
    // Saving the same policy again changes nothing.
    const again = await admin.put(`${ADMIN}/policy`, strict);
    expect(again.body['updatedAt']).toBe(saved.body['updatedAt']);
  });

  it('refuses to create a token that breaks the policy with a 400 naming the limit, and applies the default lifetime', async () => {
    await admin.put(`${ADMIN}/policy`, {
      maxTokenLifetimeDays: 90,
      requireExpiry: true,
      defaultTokenLifetimeDays: 30,
    });
    const id = await integration();
    const create = (body: Record<string, unknown>) =>
      admin.post(`${ADMIN}/integrations/${id}/tokens`, {
        name: 't',
        scopes: ['integration:sync:read'],
        ...body,
      });

    const tooLong = await create({ expiresInDays: 91 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body['error']).toBe('TOKEN_POLICY_VIOLATION');
    expect(tooLong.body['message']).toBe(
      "expiresAt must be at most 90 days from now: the organisation's token policy allows a token lifetime of at most 90 days.",
    );
    expect(tooLong.body['details']).toEqual([
      {
        field: 'expiresAt',
        message:
          "must be at most 90 days from now: the organisation's token policy allows a token lifetime of at most 90 days",
      },
    ]);
    const never = await create({ expiresAt: null });
    expect([never.status, never.body['error']]).toEqual([400, 'TOKEN_POLICY_VIOLATION']);
    const farAt = await create({ expiresAt: new Date(Date.now() + 120 * DAY).toISOString() });
    expect(farAt.status).toBe(400);

    const fine = await create({ expiresInDays: 90 });
    expect(fine.status).toBe(201);
    const defaulted = await create({});
    expect(defaulted.status).toBe(201);
    const lifetime = Date.parse(defaulted.body['expiresAt'] as string) - Date.now();
    expect(Math.abs(lifetime - 30 * DAY)).toBeLessThan(60_000);

    // Without a policy, no expiry stays possible.
    await admin.put(`${ADMIN}/policy`, open);
    expect((await create({})).body['expiresAt']).toBeNull();
    expect((await create({ expiresInDays: 365 })).status).toBe(201);
  });
});

describe('the addresses tokens were used from', () => {
  it('folds the addresses and refusals of usage reports, per token and per integration, newest first', async () => {
    const id = await integration();
    const issue = async () =>
      (
        await admin.post(`${ADMIN}/integrations/${id}/tokens`, {
          name: 'a',
          scopes: ['integration:sync:read'],
        })
      ).body['id'] as string;
    const [a, b] = [await issue(), await issue()];
    await producer?.publish(TOPICS.authTokenUsage, [
      {
        key: 'suppliers-service/1',
        value: {
          source: 'suppliers-service/1',
          reports: [
            {
              tokenId: a,
              lastUsedAt: '2026-03-01T10:00:00.000Z',
              addresses: [
                { address: '203.0.113.7', lastUsedAt: '2026-03-01T10:00:00.000Z' },
                { address: '2001:db8::1', lastUsedAt: '2026-03-01T09:00:00.000Z' },
              ],
            },
            {
              tokenId: b,
              lastUsedAt: '2026-03-01T08:00:00.000Z',
              addresses: [{ address: '203.0.113.7', lastUsedAt: '2026-03-01T08:00:00.000Z' }],
            },
          ],
          refusals: [{ tokenId: a, address: '198.51.100.66', at: '2026-03-01T11:00:00.000Z' }],
        },
      },
    ]);
    // A replayed older report moves nothing back.
    await producer?.publish(TOPICS.authTokenUsage, [
      {
        key: 'batches-service/1',
        value: {
          source: 'batches-service/1',
          reports: [
            {
              tokenId: a,
              lastUsedAt: '2026-02-01T00:00:00.000Z',
              addresses: [{ address: '203.0.113.7', lastUsedAt: '2026-02-01T00:00:00.000Z' }],
            },
          ],
        },
      },
    ]);
    const perToken = async () =>
      (await admin.get(`${ADMIN}/integrations/${id}/tokens/${a}/addresses`)).body.data ?? [];
    await waitFor(async () => (await perToken()).length === 3, {
      timeoutMs: 30_000,
      message: 'the addresses to be folded',
    });
    expect(await perToken()).toEqual([
      { address: '198.51.100.66', lastUsedAt: null, lastRefusedAt: '2026-03-01T11:00:00.000Z' },
      { address: '203.0.113.7', lastUsedAt: '2026-03-01T10:00:00.000Z', lastRefusedAt: null },
      { address: '2001:db8::1', lastUsedAt: '2026-03-01T09:00:00.000Z', lastRefusedAt: null },
    ]);
    const perIntegration = (await admin.get(`${ADMIN}/integrations/${id}/addresses`)).body.data ?? [];
    expect(perIntegration.map((entry) => entry['address'])).toEqual([
      '198.51.100.66',
      '203.0.113.7',
      '2001:db8::1',
    ]);
    const shared = perIntegration.find((entry) => entry['address'] === '203.0.113.7');
    expect((shared?.['tokens'] as { id: string }[]).map((t) => t.id).sort()).toEqual([a, b].sort());
    // Another organisation sees none of it.
    const other = client(service?.url ?? '', await adminJwt('org_other'));
    expect((await other.get(`${ADMIN}/integrations/${id}/tokens/${a}/addresses`)).status).toBe(404);
    expect((await other.get(`${ADMIN}/integrations/${id}/addresses`)).status).toBe(404);
  });
});
