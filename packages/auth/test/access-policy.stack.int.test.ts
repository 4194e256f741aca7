import { randomBytes } from 'node:crypto';
import { call, mintAdminJwt, startStack, waitFor } from '@eudr/testkit';
import type { AdminClient, HttpResult, Stack } from '@eudr/testkit';

// Real processes: auth-service and two replicas of every resource service behind a private edge, the
// shared Kafka, MongoDB and Redis. The apps must be built first (npx turbo run build).
jest.setTimeout(180_000);

/** Every resource service, with an authenticated read and the scope it needs. */
const SERVICES: { app: string; path: string; scope: string; env?: Record<string, string> }[] = [
  {
    app: 'suppliers-service',
    path: '/api/v1/integration/suppliers?limit=1',
    scope: 'integration:suppliers:read',
  },
  {
    app: 'batches-service',
    path: '/api/v1/integration/products?limit=1',
    scope: 'integration:products:read',
  },
  {
    app: 'webhooks-service',
    path: '/api/v1/integration/webhook-events?limit=1',
    scope: 'integration:webhooks:manage',
    env: { WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') },
  },
];
const SCOPES = SERVICES.map((s) => s.scope);
/** The usual propagation bound of a state change (a revocation, a status change) to every replica. */
const PROPAGATION_BOUND_MS = 2_000;

interface Target {
  name: string;
  url: string;
  path: string;
}

let stack: Stack;
/** Every replica of every service, called directly (a loopback caller, whose X-Forwarded-For is trusted). */
const replicas: Target[] = [];
/** Every service through the edge, which reports the client address itself. */
const viaEdge: Target[] = [];

beforeAll(async () => {
  stack = await startStack('auth-access-policy', {
    apps: Object.fromEntries(SERVICES.map((s) => [s.app, s.env ?? {}])),
    replicas: 2,
  });
  for (const service of SERVICES) {
    (stack.replicas[service.app] ?? []).forEach((replica, i) =>
      replicas.push({ name: `${service.app} ${'AB'[i] ?? i}`, url: replica.url, path: service.path }),
    );
    viaEdge.push({ name: `edge → ${service.app}`, url: stack.edge.url, path: service.path });
  }
  expect(replicas).toHaveLength(2 * SERVICES.length);
});

afterAll(async () => {
  await stack?.close();
});

function from(address: string | undefined) {
  return address === undefined ? {} : { headers: { 'x-forwarded-for': address } };
}

const get = (target: Target, token: string, address?: string) =>
  call(target.url, target.path, { token, ...from(address) });

/** Polls every target until each answers `accept(result)`; returns how long each took from `since`. */
async function untilEvery(
  targets: Target[],
  token: string,
  address: string | undefined,
  accept: (result: HttpResult) => boolean,
  what: string,
  since = Date.now(),
): Promise<number[]> {
  return Promise.all(
    targets.map(async (target) => {
      const result = await waitFor(
        async () => {
          const answer = await get(target, token, address);
          return accept(answer) ? answer : null;
        },
        { timeoutMs: 15_000, intervalMs: 20, message: `${target.name} ${what}` },
      );
      return result.at - since;
    }),
  );
}

const isOk = (result: HttpResult) => result.status === 200;
const isCode = (code: string) => (result: HttpResult) =>
  result.status === 403 && result.body?.['error'] === code;

/** An admin JWT's Authorization header, for the admin routes the testkit client does not wrap. */
async function adminCall(org: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  const jwt = await mintAdminJwt({ secret: stack.adminSecret, org });
  return call(stack.edge.url, `/api/v1/admin${path}`, { method, authorization: `Bearer ${jwt}`, body });
}

describe('IP allowlists on every replica of every service', () => {
  let admin: AdminClient;
  beforeAll(async () => {
    admin = await stack.admin('org_allowlist');
  });

  it('refuses a token used from outside its list with 403 IP_NOT_ALLOWED everywhere, and accepts it again once the list changes', async () => {
    const integration = await adminCall('org_allowlist', 'POST', '/integrations', {
      name: 'Fixed egress ERP',
      allowedAddresses: ['203.0.113.0/24', '2001:db8::/32'],
    });
    expect(integration.status).toBe(201);
    const integrationId = integration.body?.['id'] as string;
    const { token, tokenId } = await stack.issueToken(admin, SCOPES, { integrationId });

    // From a listed address (as a trusted proxy reports it), every replica accepts the token.
    await untilEvery(replicas, token, '203.0.113.25', isOk, 'to accept the token from a listed address');
    await untilEvery(
      replicas,
      token,
      '2001:db8:1::9',
      isOk,
      'to accept the token from a listed IPv6 address',
    );
    // From anywhere else it is refused, on every replica and through the edge (which reports 127.0.0.1
    // and replaces whatever X-Forwarded-For the client sent).
    for (const target of replicas) {
      const refused = await get(target, token, '198.51.100.9');
      expect([target.name, refused.status, refused.body?.['error']]).toEqual([
        target.name,
        403,
        'IP_NOT_ALLOWED',
      ]);
      expect(refused.headers.get('www-authenticate')).toBeNull();
      expect(refused.body?.['message']).toContain("outside this integration's IP allowlist");
    }
    for (const target of viaEdge) {
      const spoofed = await get(target, token, '203.0.113.25');
      expect([target.name, spoofed.status, spoofed.body?.['error']]).toEqual([
        target.name,
        403,
        'IP_NOT_ALLOWED',
      ]);
    }

    // Adding the edge's view of this client (127.0.0.1) lets it in everywhere within the usual bound.
    const changed = await adminCall('org_allowlist', 'PATCH', `/integrations/${integrationId}`, {
      allowedAddresses: ['203.0.113.0/24', '127.0.0.1'],
    });
    expect(changed.status).toBe(200);
    const accepted = await untilEvery(
      viaEdge,
      token,
      undefined,
      isOk,
      'to accept the token once 127.0.0.1 is listed',
    );
    const refusedElsewhere = await untilEvery(
      replicas,
      token,
      '2001:db8::9',
      isCode('IP_NOT_ALLOWED'),
      'to refuse the address taken off the list',
    );
    process.stdout.write(
      `allowlist change → accepted through the edge after ${accepted.join(', ')} ms; ` +
        `refused (address removed) on each replica after ${refusedElsewhere.join(', ')} ms\n`,
    );
    expect(Math.max(...accepted, ...refusedElsewhere)).toBeLessThanOrEqual(PROPAGATION_BOUND_MS);

    // An empty list lifts the restriction.
    await adminCall('org_allowlist', 'PATCH', `/integrations/${integrationId}`, { allowedAddresses: [] });
    await untilEvery(replicas, token, '198.51.100.9', isOk, 'to accept the token from anywhere');

    // The admin sees the addresses the token was used and refused from (usage reports, every 5 s).
    const addresses = async () =>
      ((await adminCall('org_allowlist', 'GET', `/integrations/${integrationId}/tokens/${tokenId}/addresses`))
        .body?.['data'] ?? []) as {
        address: string;
        lastUsedAt: string | null;
        lastRefusedAt: string | null;
      }[];
    await waitFor(
      async () => {
        const seen = await addresses();
        const of = (a: string) => seen.find((entry) => entry.address === a);
        const used = (a: string) => (of(a)?.lastUsedAt ?? null) !== null;
        const refused = (a: string) => (of(a)?.lastRefusedAt ?? null) !== null;
        return used('203.0.113.25') && used('127.0.0.1') && refused('2001:db8::9') ? seen : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'the addresses of the token to be reported' },
    );
  });
});

describe('the organisation token policy on every replica of every service', () => {
  let admin: AdminClient;
  const org = 'org_token_policy';
  beforeAll(async () => {
    admin = await stack.admin(org);
  });

  it('names a non-compliant token in a dry run, then blocks it everywhere within the propagation bound once saved', async () => {
    const inYear = new Date(Date.now() + 365 * 24 * 3600_000).toISOString();
    const inMonth = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    const longLived = await stack.issueToken(admin, SCOPES, { expiresAt: inYear });
    const compliant = await stack.issueToken(admin, SCOPES, {
      integrationId: longLived.integrationId,
      expiresAt: inMonth,
    });
    await untilEvery(
      [...replicas, ...viaEdge],
      longLived.token,
      undefined,
      isOk,
      'to accept the long-lived token',
    );
    await untilEvery(
      [...replicas, ...viaEdge],
      compliant.token,
      undefined,
      isOk,
      'to accept the compliant token',
    );

    const policy = { maxTokenLifetimeDays: 90, requireExpiry: true, defaultTokenLifetimeDays: 30 };
    const dryRun = await adminCall(org, 'POST', '/policy/dry-run', policy);
    expect(dryRun.status).toBe(200);
    const named = (dryRun.body?.['affectedTokens'] ?? []) as { id: string; reason: string }[];
    expect(named.map((t) => t.id)).toEqual([longLived.tokenId]);
    expect(named[0]?.reason).toContain('at most 90 days');
    // The dry run changed nothing: the token still works.
    expect((await get(viaEdge[0] as Target, longLived.token)).status).toBe(200);

    const saved = await adminCall(org, 'PUT', '/policy', policy);
    expect(saved.status).toBe(200);
    expect(saved.body?.['affectedTokenCount']).toBe(1);
    const blocked = await untilEvery(
      [...replicas, ...viaEdge],
      longLived.token,
      undefined,
      isCode('TOKEN_POLICY_VIOLATION'),
      'to refuse the non-compliant token',
      saved.at,
    );
    process.stdout.write(
      `policy change → TOKEN_POLICY_VIOLATION on every replica and the edge after ${blocked.join(', ')} ms\n`,
    );
    expect(Math.max(...blocked)).toBeLessThanOrEqual(PROPAGATION_BOUND_MS);
    const refusal = await get(viaEdge[0] as Target, longLived.token);
    expect(refusal.body?.['message']).toContain(
      "breaks its organisation's token policy, which allows a token lifetime of at most 90 days (this token: 365 days)",
    );
    for (const target of [...replicas, ...viaEdge])
      expect((await get(target, compliant.token)).status).toBe(200);

    // Creating a token that breaks it is a 400 naming the limit; loosening it lifts the block.
    const refused = await adminCall(org, 'POST', `/integrations/${longLived.integrationId}/tokens`, {
      name: 'too long',
      scopes: SCOPES,
      expiresInDays: 180,
    });
    expect([refused.status, refused.body?.['error']]).toEqual([400, 'TOKEN_POLICY_VIOLATION']);
    expect(refused.body?.['message']).toContain('must be at most 90 days from now');
    await adminCall(org, 'PUT', '/policy', {
      maxTokenLifetimeDays: null,
      requireExpiry: false,
      defaultTokenLifetimeDays: null,
    });
    await untilEvery(
      [...replicas, ...viaEdge],
      longLived.token,
      undefined,
      isOk,
      'to accept the token again',
    );
  });
});
