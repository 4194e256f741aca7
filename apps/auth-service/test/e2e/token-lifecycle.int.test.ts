import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ADMIN_API_PATH,
  call,
  errorCode,
  mintAdminJwt,
  readRawMessages,
  startStack,
  waitFor,
} from '@eudr/testkit';
import type { AppProcess, HttpResult, Stack } from '@eudr/testkit';

// The token lifecycle on a real stack (two replicas of auth-service and suppliers-service, one of
// webhooks-service, behind the edge): a rotation a polling client follows without a failed request,
// leak reports signed as GitHub signs them, and expiry notices sent exactly once per token and
// threshold while replicas with a moved clock come and go.

jest.setTimeout(240_000);

const ORG = 'org_lifecycle';
const TOKEN_INFO = '/api/v1/integration/token';
const LEAKS = '/api/v1/secret-scanning/reports';
const NOTICE_INTERVAL_MS = 200;
const DAY_MS = 24 * 3600_000;

const reporterKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const strangerKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const reporterKeys = JSON.stringify({
  public_keys: [
    {
      key_identifier: 'reporter-key-1',
      key: reporterKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      is_current: true,
    },
  ],
});

interface Received {
  event: string;
  body: Record<string, unknown>;
  at: number;
}

let stack: Stack;
let edge: string;
let jwt: string;
let receiver: { url: string; requests: Received[]; close(): Promise<void> };
const extraReplicas: AppProcess[] = [];

async function startReceiver(): Promise<typeof receiver> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      requests.push({ event: String(body['event']), body, at: Date.now() });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startStack('e2e_token_lifecycle', {
    apps: {
      'suppliers-service': {},
      'webhooks-service': {
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
        WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
        WEBHOOK_POLL_INTERVAL_MS: '250',
      },
    },
    replicas: { 'auth-service': 2, 'suppliers-service': 2, 'webhooks-service': 1 },
    authEnv: {
      SECRET_SCANNING_PUBLIC_KEYS: reporterKeys,
      EXPIRY_NOTICE_INTERVAL_MS: String(NOTICE_INTERVAL_MS),
    },
  });
  edge = stack.edge.url;
  jwt = await mintAdminJwt({ secret: stack.adminSecret, org: ORG });
}, 180_000);

afterAll(async () => {
  for (const replica of extraReplicas) await replica.stop().catch(() => undefined);
  await stack?.close();
  await receiver?.close();
}, 90_000);

function admin(method: string, path: string, body?: unknown, baseUrl = edge): Promise<HttpResult> {
  return call(baseUrl, `${ADMIN_API_PATH}${path}`, {
    method,
    headers: { authorization: `Bearer ${jwt}` },
    ...(body === undefined ? {} : { body }),
  });
}

async function createIntegration(name: string): Promise<string> {
  const created = await admin('POST', '/integrations', { name });
  expect(created.status).toBe(201);
  return String(created.body?.['id']);
}

async function createToken(
  integrationId: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; token: string; body: Record<string, unknown> }> {
  const created = await admin('POST', `/integrations/${integrationId}/tokens`, {
    name: 'ERP nightly',
    scopes: ['integration:suppliers:read'],
    ...extra,
  });
  expect(created.status).toBe(201);
  const body = created.body ?? {};
  return { id: String(body['id']), token: String(body['token']), body };
}

async function subscribe(integrationId: string, events: string[]): Promise<void> {
  const created = await call(edge, '/api/v1/admin/webhooks', {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}` },
    body: { integrationId, url: receiver.url, events },
  });
  expect(created.status).toBe(201);
}

async function auditOf(
  tokenId: string,
): Promise<{ action: string; actor: string; details: Record<string, unknown> }[]> {
  const log = await admin('GET', '/audit-log?limit=100');
  expect(log.status).toBe(200);
  return (
    log.body?.['data'] as {
      action: string;
      actor: string;
      targetId: string;
      details: Record<string, unknown>;
    }[]
  ).filter((entry) => entry.targetId === tokenId);
}

function tokenInfo(token: string): Promise<HttpResult> {
  return call(edge, TOKEN_INFO, { token });
}

describe('rotation', () => {
  it('lets clients polling every 100 ms follow a rotation without a single failed request', async () => {
    const integrationId = await createIntegration('ERP rotating');
    const old = await createToken(integrationId, { expiresInDays: 90 });
    await waitFor(async () => (await tokenInfo(old.token)).status === 200, { timeoutMs: 10_000 });

    const GRACE_S = 3;
    // One client takes the new token the moment the admin has it (the harshest moment for the new
    // token), the other 2 s later (a configuration rollout, relying on the grace period).
    const SWITCH_AFTER_MS = { prompt: 0, lagging: 2_000 };
    type Entry = { t: number; token: 'old' | 'new'; status: number; code?: string };
    const t0 = Date.now();
    // Shared with the clients: the rotation once answered, and whether to keep polling.
    const run: { rotated?: { at: number; token: string }; polling: boolean } = { polling: true };
    async function client(switchAfterMs: number): Promise<Entry[]> {
      const timeline: Entry[] = [];
      while (run.polling) {
        const started = Date.now();
        const { rotated } = run;
        const useNew = rotated !== undefined && started - t0 >= rotated.at + switchAfterMs;
        const answer = await tokenInfo(useNew && rotated ? rotated.token : old.token);
        const code = errorCode(answer);
        timeline.push({
          t: started - t0,
          token: useNew ? 'new' : 'old',
          status: answer.status,
          ...(code ? { code } : {}),
        });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))));
      }
      return timeline;
    }
    const clients = Promise.all([client(SWITCH_AFTER_MS.prompt), client(SWITCH_AFTER_MS.lagging)]);

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const answer = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/rotate`, {
      gracePeriodSeconds: GRACE_S,
    });
    expect(answer.status).toBe(201);
    const rotated = { at: Date.now() - t0, token: String(answer.body?.['token']) };
    run.rotated = rotated;
    await new Promise((resolve) => setTimeout(resolve, (GRACE_S + 2) * 1_000));
    run.polling = false;
    const [prompt, lagging] = await clients;

    // The old token on its own: working until the grace period ends, TOKEN_EXPIRED after.
    const oldAfter = await tokenInfo(old.token);
    expect({ status: oldAfter.status, code: errorCode(oldAfter) }).toEqual({
      status: 401,
      code: 'TOKEN_EXPIRED',
    });

    const lines = [
      `rotation timeline (clients polling GET /api/v1/integration/token every 100 ms through the edge, 2 replicas per service; rotation answered at +${rotated.at} ms, grace ${GRACE_S} s):`,
    ];
    for (const [name, timeline] of [
      ['prompt', prompt],
      ['lagging', lagging],
    ] as const) {
      lines.push(`  ${name} client (switches ${SWITCH_AFTER_MS[name]} ms after the answer):`);
      for (const [i, entry] of timeline.entries()) {
        const previous = timeline[i - 1];
        if (
          i === 0 ||
          entry.token !== previous?.token ||
          entry.status !== 200 ||
          i % 10 === 0 ||
          i === timeline.length - 1
        ) {
          lines.push(
            `    +${String(entry.t).padStart(5)} ms  ${entry.token} token  ${entry.status}${entry.code ? ` ${entry.code}` : ''}`,
          );
        }
      }
      const failed = timeline.filter((entry) => entry.status !== 200).length;
      lines.push(
        `    ${timeline.length} requests: ${timeline.filter((e) => e.token === 'old').length} with the old token, ${timeline.filter((e) => e.token === 'new').length} with the new one, ${failed} failed`,
      );
    }
    lines.push(`  the old token alone after the grace period: ${oldAfter.status} ${errorCode(oldAfter)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    for (const timeline of [prompt, lagging]) {
      expect(timeline.filter((entry) => entry.token === 'new').length).toBeGreaterThan(20);
      expect(timeline.filter((entry) => entry.status !== 200)).toEqual([]);
    }
    // The lagging client really used the old token after the rotation.
    expect(lagging.some((entry) => entry.token === 'old' && entry.t > rotated.at + 1_000)).toBe(true);
  });

  it('links the two tokens in the API and the audit log, keeps name, scopes and lifetime, and refuses a second rotation', async () => {
    const integrationId = await createIntegration('ERP linked');
    const old = await createToken(integrationId, {
      expiresInDays: 30,
      scopes: ['integration:suppliers:read', 'integration:sync:read'],
    });
    const before = Date.now();
    const rotated = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/rotate`);
    expect(rotated.status).toBe(201);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const next = rotated.body ?? {};
    const previous = next['previous'] as Record<string, unknown>;
    expect(next).toEqual(
      expect.objectContaining({
        token: expect.stringMatching(/^eudr_live_[0-9a-f]{48}$/),
        name: 'ERP nightly',
        scopes: ['integration:suppliers:read', 'integration:sync:read'],
        rotatedFrom: old.id,
        rotatedTo: null,
        status: 'ACTIVE',
      }),
    );
    expect(previous).toEqual(
      expect.objectContaining({ id: old.id, rotatedTo: next['id'], status: 'ACTIVE' }),
    );
    // Default grace period: 24 hours; the new token lives 30 days from now.
    const graceEnd = Date.parse(String(previous['expiresAt']));
    expect(graceEnd - before).toBeGreaterThanOrEqual(DAY_MS - 1_000);
    expect(graceEnd - before).toBeLessThan(DAY_MS + 60_000);
    const lifetime = Date.parse(String(next['expiresAt'])) - before;
    expect(Math.abs(lifetime - 30 * DAY_MS)).toBeLessThan(60_000);

    const listed = await admin('GET', `/integrations/${integrationId}/tokens`);
    const byId = new Map((listed.body?.['data'] as Record<string, unknown>[]).map((t) => [t['id'], t]));
    expect(byId.get(old.id)?.['rotatedTo']).toBe(next['id']);
    expect(byId.get(next['id'])?.['rotatedFrom']).toBe(old.id);
    expect(byId.get(old.id)?.['stale']).toBe(false);

    const oldAudit = await auditOf(old.id);
    expect(oldAudit.map((entry) => entry.action)).toContain('token.rotated');
    expect(oldAudit.find((entry) => entry.action === 'token.rotated')?.details).toEqual(
      expect.objectContaining({ rotatedTo: next['id'], gracePeriodSeconds: 86_400 }),
    );
    const newAudit = await auditOf(String(next['id']));
    expect(newAudit.find((entry) => entry.action === 'token.created')?.details).toEqual(
      expect.objectContaining({ rotatedFrom: old.id }),
    );

    const again = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/rotate`);
    expect({ status: again.status, code: errorCode(again) }).toEqual({ status: 409, code: 'CONFLICT' });
    expect(String(again.body?.['message'])).toContain(String(next['id']));
  });

  it('revokes the old token during its grace period as usual, and refuses a grace period over 7 days', async () => {
    const integrationId = await createIntegration('ERP revoke in grace');
    const old = await createToken(integrationId);
    const tooLong = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/rotate`, {
      gracePeriodSeconds: 7 * 86_400 + 1,
    });
    expect({ status: tooLong.status, code: errorCode(tooLong) }).toEqual({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect(String(tooLong.body?.['message'])).toMatch(/^gracePeriodSeconds: must be at most 604800/);

    const rotated = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/rotate`, {
      gracePeriodSeconds: 3_600,
    });
    expect(rotated.status).toBe(201);
    await waitFor(async () => (await tokenInfo(old.token)).status === 200, { timeoutMs: 10_000 });
    const revoked = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/revoke`);
    expect(revoked.body?.['status']).toBe('REVOKED');
    await waitFor(async () => errorCode(await tokenInfo(old.token)) === 'TOKEN_REVOKED', {
      timeoutMs: 5_000,
    });
    expect((await tokenInfo(String(rotated.body?.['token']))).status).toBe(200);
    const gone = await admin('POST', `/integrations/${integrationId}/tokens/${old.id}/rotate`);
    expect(gone.status).toBe(409);
  });
});

describe('rotation under an organisation token policy', () => {
  it('gives the new token a lifetime the policy allows, and refuses one it does not (400 TOKEN_POLICY_VIOLATION)', async () => {
    const policyJwt = await mintAdminJwt({ secret: stack.adminSecret, org: 'org_lifecycle_policy' });
    const as = (method: string, path: string, body?: unknown) =>
      call(edge, `${ADMIN_API_PATH}${path}`, {
        method,
        headers: { authorization: `Bearer ${policyJwt}` },
        ...(body === undefined ? {} : { body }),
      });
    const integration = await as('POST', '/integrations', { name: 'ERP under policy' });
    const integrationId = String(integration.body?.['id']);
    const forever = await as('POST', `/integrations/${integrationId}/tokens`, {
      name: 'forever',
      scopes: ['integration:suppliers:read'],
      expiresAt: null,
    });
    const month = await as('POST', `/integrations/${integrationId}/tokens`, {
      name: 'monthly',
      scopes: ['integration:suppliers:read'],
      expiresInDays: 20,
    });
    expect([forever.status, month.status]).toEqual([201, 201]);
    const policy = await as('PUT', '/policy', {
      maxTokenLifetimeDays: 30,
      requireExpiry: true,
      defaultTokenLifetimeDays: null,
    });
    expect(policy.status).toBe(200);

    const refused = await as(
      'POST',
      `/integrations/${integrationId}/tokens/${String(forever.body?.['id'])}/rotate`,
    );
    expect({ status: refused.status, code: errorCode(refused) }).toEqual({
      status: 400,
      code: 'TOKEN_POLICY_VIOLATION',
    });
    const listed = await as('GET', `/integrations/${integrationId}/tokens/${String(forever.body?.['id'])}`);
    expect(listed.body?.['rotatedTo']).toBeNull();

    const allowed = await as(
      'POST',
      `/integrations/${integrationId}/tokens/${String(month.body?.['id'])}/rotate`,
    );
    expect(allowed.status).toBe(201);
  });
});

describe('leaked-token reports', () => {
  function report(entries: unknown, key = reporterKey.privateKey, keyId = 'reporter-key-1') {
    const body = Buffer.from(JSON.stringify(entries));
    return fetch(`${edge}${LEAKS}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': keyId,
        'github-public-key-signature': sign('sha256', body, key).toString('base64'),
      },
      body,
    });
  }

  it('revokes a reported live token within a second, answers every entry, audits the URL and tells the webhooks', async () => {
    const integrationId = await createIntegration('ERP leaking');
    await subscribe(integrationId, ['token.leaked']);
    const leaked = await createToken(integrationId);
    const bystander = await createToken(integrationId);
    await waitFor(async () => (await tokenInfo(leaked.token)).status === 200, { timeoutMs: 10_000 });
    const lookAlike = `eudr_live_${'0'.repeat(48)}`;
    const url = 'https://github.com/octo-org/erp-sync/blob/0a1b2c/config/.env';

    const sent = Date.now();
    const response = await report([
      { token: leaked.token, type: 'eudr_api_token', url, source: 'content' },
      { token: lookAlike, type: 'eudr_api_token', url, source: 'content' },
      { token: 42, type: 'eudr_api_token' },
    ]);
    const answered = Date.now();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual([
      { token_raw: leaked.token, token_type: 'eudr_api_token', label: 'true_positive' },
      { token_raw: lookAlike, token_type: 'eudr_api_token', label: 'false_positive' },
      { token_raw: '', token_type: 'eudr_api_token', label: 'false_positive' },
    ]);
    await waitFor(async () => errorCode(await tokenInfo(leaked.token)) === 'TOKEN_REVOKED', {
      timeoutMs: 1_000,
      intervalMs: 20,
      message: 'the leaked token refused within a second of the report',
    });
    const refusedAfter = Date.now() - sent;
    process.stdout.write(
      `leak report: answered in ${answered - sent} ms, token refused through the edge ${refusedAfter} ms after sending\n`,
    );
    expect((await tokenInfo(bystander.token)).status).toBe(200);

    const audit = await auditOf(leaked.id);
    expect(audit.find((entry) => entry.action === 'token.leaked')).toEqual(
      expect.objectContaining({
        actor: 'secret-scanning:github',
        details: expect.objectContaining({ url, source: 'content', reporter: 'github' }),
      }),
    );
    await waitFor(() => receiver.requests.some((r) => r.event === 'token.leaked'), { timeoutMs: 15_000 });
    const delivered = receiver.requests.filter((r) => r.event === 'token.leaked');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.body).toEqual(
      expect.objectContaining({
        integrationId,
        data: expect.objectContaining({ tokenId: leaked.id, url, source: 'content', reporter: 'github' }),
      }),
    );
    expect(JSON.stringify(delivered[0]?.body)).not.toContain('eudr_live_');

    // Reported again: still ours, nothing more happens.
    const again = await report([{ token: leaked.token, type: 'eudr_api_token', url, source: 'content' }]);
    expect(await again.json()).toEqual([
      { token_raw: leaked.token, token_type: 'eudr_api_token', label: 'true_positive' },
    ]);
  });

  it('refuses an unsigned report, a foreign signature and an unknown key, and the token keeps working', async () => {
    const integrationId = await createIntegration('ERP not leaking');
    const token = await createToken(integrationId);
    await waitFor(async () => (await tokenInfo(token.token)).status === 200, { timeoutMs: 10_000 });
    const entries = [
      { token: token.token, type: 'eudr_api_token', url: 'https://example.com', source: 'content' },
    ];

    const unsigned = await call(edge, LEAKS, { method: 'POST', body: entries });
    expect({ status: unsigned.status, code: errorCode(unsigned) }).toEqual({
      status: 401,
      code: 'AUTHENTICATION_REQUIRED',
    });
    const foreign = await report(entries, strangerKey.privateKey);
    expect(foreign.status).toBe(403);
    const unknownKey = await report(entries, reporterKey.privateKey, 'some-other-key');
    expect(unknownKey.status).toBe(403);
    // A signature over other bytes than those sent.
    const body = JSON.stringify(entries);
    const tampered = await fetch(`${edge}${LEAKS}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': 'reporter-key-1',
        'github-public-key-signature': sign(
          'sha256',
          Buffer.from(`${body} `),
          reporterKey.privateKey,
        ).toString('base64'),
      },
      body,
    });
    expect(tampered.status).toBe(403);

    expect((await tokenInfo(token.token)).status).toBe(200);
    const listed = await admin('GET', `/integrations/${integrationId}/tokens/${token.id}`);
    expect(listed.body?.['revokedAt']).toBeNull();
  });

  it('caps the body and the list, and answers bad JSON with INVALID_JSON', async () => {
    const tooMany = await report(Array.from({ length: 1_001 }, () => ({ token: 'x', type: 't' })));
    expect(tooMany.status).toBe(400);
    const huge = await report([{ token: 'x'.repeat(300 * 1024), type: 't' }]);
    expect(huge.status).toBe(413);
    const body = Buffer.from('[{"token": ');
    const malformed = await fetch(`${edge}${LEAKS}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': 'reporter-key-1',
        'github-public-key-signature': sign('sha256', body, reporterKey.privateKey).toString('base64'),
      },
      body,
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Record<string, unknown>)['error']).toBe('INVALID_JSON');
  });
});

describe('usage', () => {
  it('counts every request per hour by outcome, as the client saw them, with the last use and the stale flag', async () => {
    const integrationId = await createIntegration('ERP counted');
    const limited = await admin('PATCH', `/integrations/${integrationId}`, { rateLimitPerMinute: 20 });
    expect(limited.status).toBe(200);
    const token = await createToken(integrationId);
    const userAgent = 'ERP-Connector/3.1 (usage test)';
    const seen = new Map<string, number>();
    async function use(path: string, method = 'GET', body?: unknown): Promise<HttpResult> {
      const answer = await call(edge, path, {
        method,
        token: token.token,
        headers: { 'user-agent': userAgent },
        ...(body === undefined ? {} : { body }),
      });
      const key = answer.status === 200 ? 'success' : String(errorCode(answer));
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return answer;
    }
    await waitFor(async () => (await use(TOKEN_INFO)).status === 200, { timeoutMs: 10_000 });
    for (let i = 0; i < 5; i += 1) await use('/api/v1/integration/suppliers');
    // A scope the token lacks.
    for (let i = 0; i < 3; i += 1) await use('/api/v1/integration/suppliers', 'POST', { suppliers: [] });
    // Past the integration's 20 requests per minute.
    for (let i = 0; i < 15; i += 1) await use(TOKEN_INFO);
    expect(seen.get('RATE_LIMIT_EXCEEDED')).toBeGreaterThan(0);
    const revoked = await admin('POST', `/integrations/${integrationId}/tokens/${token.id}/revoke`);
    expect(revoked.status).toBe(200);
    await waitFor(async () => errorCode(await use(TOKEN_INFO)) === 'TOKEN_REVOKED', { timeoutMs: 5_000 });
    for (let i = 0; i < 2; i += 1) await use(TOKEN_INFO);

    const expected = {
      success: seen.get('success') ?? 0,
      unauthorized: { TOKEN_REVOKED: seen.get('TOKEN_REVOKED') ?? 0, TOKEN_EXPIRED: 0 },
      forbidden: {
        INTEGRATION_INACTIVE: 0,
        IP_NOT_ALLOWED: 0,
        TOKEN_POLICY_VIOLATION: 0,
        INSUFFICIENT_SCOPES: seen.get('INSUFFICIENT_SCOPES') ?? 0,
      },
      rateLimited: seen.get('RATE_LIMIT_EXCEEDED') ?? 0,
    };
    const requests = [...seen.values()].reduce((a, b) => a + b, 0);
    expect(expected.forbidden.INSUFFICIENT_SCOPES).toBe(3);
    expect(expected.unauthorized.TOKEN_REVOKED).toBeGreaterThanOrEqual(3);
    expect(expected.success + expected.rateLimited + 3 + expected.unauthorized.TOKEN_REVOKED).toBe(requests);

    // The services report every few seconds and auth-service folds every second.
    const usage = await waitFor(
      async () => {
        const answer = await admin('GET', `/integrations/${integrationId}/tokens/${token.id}/usage`);
        // Counts are folded per batch, the last use once a second: wait for both.
        const counted = (answer.body?.['totals'] as { requests?: number } | undefined)?.requests === requests;
        return counted && answer.body?.['lastUsedUserAgent'] === userAgent ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: `usage totals of ${requests} requests` },
    );
    const body = usage.body ?? {};
    expect(body['totals']).toEqual({ requests, ...expected });
    const hours = body['hours'] as { hour: string; success: number }[];
    expect(hours.length).toBeGreaterThanOrEqual(1);
    expect(hours.length).toBeLessThanOrEqual(2);
    expect(hours.reduce((sum, h) => sum + h.success, 0)).toBe(expected.success);
    expect(body).toEqual(
      expect.objectContaining({
        tokenId: token.id,
        lastUsedAddress: '127.0.0.1',
        lastUsedUserAgent: userAgent,
        stale: false,
      }),
    );
    const windowDays = (Date.parse(String(body['to'])) - Date.parse(String(body['from']))) / DAY_MS;
    expect(windowDays).toBeGreaterThanOrEqual(30);
    expect(windowDays).toBeLessThan(30.05);
    process.stdout.write(`usage: ${requests} requests made, totals ${JSON.stringify(body['totals'])}\n`);

    const other = await call(
      edge,
      `${ADMIN_API_PATH}/integrations/${integrationId}/tokens/${token.id}/usage`,
      {
        headers: {
          authorization: `Bearer ${await mintAdminJwt({ secret: stack.adminSecret, org: 'org_other' })}`,
        },
      },
    );
    expect(other.status).toBe(404);
  });
});

describe('expiry notices', () => {
  /** Starts `count` more auth-service replicas whose notice clock runs `offsetMs` ahead. */
  async function movedReplicas(offsetMs: number, count = 2): Promise<AppProcess[]> {
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        stack.startReplica('auth-service', { AUTH_CLOCK_OFFSET_MS: String(offsetMs) }),
      ),
    );
    extraReplicas.push(...started);
    return started;
  }

  async function stopAll(replicas: AppProcess[]): Promise<void> {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }

  function notices(tokenId: string): string[] {
    return receiver.requests
      .filter((r) => (r.body['data'] as Record<string, unknown>)['tokenId'] === tokenId)
      .map(
        (r) =>
          `${r.event}${r.event === 'token.expiring' ? `:${String((r.body['data'] as Record<string, unknown>)['threshold'])}` : ''}`,
      );
  }

  /** Several notice runs of every replica, so that a second send would have happened by now. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10 * NOTICE_INTERVAL_MS + 2_000));

  it('sends token.expiring 7 days and 1 day ahead and token.expired, each exactly once, across replicas and restarts', async () => {
    const integrationId = await createIntegration('ERP expiring');
    await subscribe(integrationId, ['token.expiring', 'token.expired']);
    const token = await createToken(integrationId, { expiresInDays: 10 });
    const other = await createToken(integrationId);

    await settle();
    expect(notices(token.id)).toEqual([]);
    const soon = await admin('GET', '/tokens/expiring?withinDays=7');
    expect((soon.body?.['data'] as { id: string }[]).map((t) => t.id)).not.toContain(token.id);
    const later = await admin('GET', '/tokens/expiring?withinDays=10');
    expect((later.body?.['data'] as { id: string }[]).map((t) => t.id)).toContain(token.id);

    // 3.5 days on: 6.5 days left. Two replicas race for the claim; one wins.
    const first = await movedReplicas(3.5 * DAY_MS);
    await waitFor(() => notices(token.id).length >= 1, { timeoutMs: 20_000, message: 'the 7-day warning' });
    const listed = await admin('GET', '/tokens/expiring?withinDays=7', undefined, first[0]?.url);
    expect((listed.body?.['data'] as { id: string }[]).map((t) => t.id)).toEqual([token.id]);
    await settle();
    expect(notices(token.id)).toEqual(['token.expiring:7d']);
    await stopAll(first);

    // 9.5 days on, on fresh processes: the 1-day warning.
    const second = await movedReplicas(9.5 * DAY_MS);
    await waitFor(() => notices(token.id).length >= 2, { timeoutMs: 20_000, message: 'the 1-day warning' });
    await settle();
    expect(notices(token.id)).toEqual(['token.expiring:7d', 'token.expiring:1d']);
    await stopAll(second);

    // Past the expiry, and then later still: token.expired, once.
    const third = await movedReplicas(10.5 * DAY_MS);
    await waitFor(() => notices(token.id).length >= 3, { timeoutMs: 20_000, message: 'token.expired' });
    await stopAll(third);
    const fourth = await movedReplicas(20 * DAY_MS, 1);
    await settle();
    await stopAll(fourth);
    expect(notices(token.id)).toEqual(['token.expiring:7d', 'token.expiring:1d', 'token.expired']);
    expect(notices(other.id)).toEqual([]);
    // Published once each, too: of the racing replicas one claim won (webhook deliveries would also
    // absorb a second publication of the same event id, so the topic is where a lost claim would show).
    const published = (await readRawMessages(stack.kafkaBrokers, [`${stack.scope.topicPrefix}tokens`]))
      .map(
        (m) => JSON.parse(m.value ?? '{}') as { type: string; data: { tokenId: string; threshold?: string } },
      )
      .filter((event) => event.data.tokenId === token.id)
      .map((event) => `${event.type}${event.data.threshold === undefined ? '' : `:${event.data.threshold}`}`);
    expect(published).toEqual(['token.expiring:7d', 'token.expiring:1d', 'token.expired']);

    const expiring = receiver.requests.find((r) => r.event === 'token.expiring');
    expect(expiring?.body).toEqual(
      expect.objectContaining({
        integrationId,
        data: expect.objectContaining({
          tokenId: token.id,
          name: 'ERP nightly',
          lastFour: token.token.slice(-4),
          expiresAt: token.body['expiresAt'],
          threshold: '7d',
        }),
      }),
    );
  });
});
