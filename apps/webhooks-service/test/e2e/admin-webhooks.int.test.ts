import { mintAdminJwt } from '@eudr/testkit';
import { startReceiver } from '../helpers/receiver';
import type { Receiver } from '../helpers/receiver';
import {
  WEBHOOKS_PATH,
  call,
  errorCode,
  issueWebhookToken,
  pushSuppliers,
  startWebhooksStack,
  waitFor,
} from '../helpers/webhooks-stack';
import type { HttpResult, WebhooksStack } from '../helpers/webhooks-stack';

// The admin routes of the console (/api/v1/admin/webhooks) through the edge of a real stack (auth,
// suppliers and webhooks as processes): an organisation admin manages the webhooks of an integration
// of its organisation, sees real and test deliveries, re-enables a subscription its failures disabled,
// and reaches nothing of another organisation. The edge must route the path to webhooks-service, not to
// auth-service's /api/v1/admin/.

jest.setTimeout(90_000);

const ADMIN_WEBHOOKS = '/api/v1/admin/webhooks';
const ORG_A = 'org_wh_admin_a';
const ORG_B = 'org_wh_admin_b';

let stack: WebhooksStack;
let edge: string;
let receiver: Receiver;
let adminA: string;
let adminB: string;
let integrationA: string;
let integrationB: string;

beforeAll(async () => {
  stack = await startWebhooksStack('wh_admin', {
    WEBHOOK_RETRY_DELAYS_MS: '50,50,50',
    WEBHOOK_MAX_CONSECUTIVE_FAILURES: '2',
  });
  edge = stack.edge.url;
  receiver = await startReceiver();
  adminA = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_A });
  adminB = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_B });
  integrationA = (await (await stack.admin(ORG_A)).createIntegration({ name: 'ERP A' })).id;
  integrationB = (await (await stack.admin(ORG_B)).createIntegration({ name: 'ERP B' })).id;
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
}, 60_000);

function admin(jwt: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  return call(edge, `${ADMIN_WEBHOOKS}${path}`, {
    method,
    token: jwt,
    ...(body === undefined ? {} : { body }),
  });
}

function listOf(result: HttpResult): Record<string, unknown>[] {
  return (result.body?.['data'] ?? []) as Record<string, unknown>[];
}

async function create(integrationId: string, url = receiver.url, events = ['supplier.created']) {
  return admin(adminA, 'POST', '', { integrationId, url, events });
}

describe('an admin managing the webhooks of an integration of its organisation', () => {
  let webhookId: string;
  let secret: string;

  it('adds a subscription and shows its signing secret once, never cached', async () => {
    const created = await create(integrationA);
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(/^wh_[0-9a-f]{24}$/),
        integrationId: integrationA,
        url: receiver.url,
        events: ['supplier.created'],
        active: true,
        consecutiveFailures: 0,
        secret: expect.stringMatching(/^whsec_/),
        lastDelivery: null,
      }),
    );
    webhookId = String(created.body?.['id']);
    secret = String(created.body?.['secret']);
  });

  it('lists the integration’s subscriptions without the secret, and one by id', async () => {
    const listed = await admin(adminA, 'GET', `?integrationId=${integrationA}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(expect.objectContaining({ total: 1, page: 1, limit: 50 }));
    expect(listOf(listed).map((s) => [s['id'], s['active'], s['lastDelivery']])).toEqual([
      [webhookId, true, null],
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const one = await admin(adminA, 'GET', `/${webhookId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(expect.objectContaining({ id: webhookId, lastDelivery: null }));
    expect(one.body).not.toHaveProperty('secret');
  });

  it('is the same subscription the integration’s own token manages', async () => {
    const token = await stack.issueToken(await stack.admin(ORG_A), ['integration:webhooks:manage'], {
      integrationId: integrationA,
    });
    const seen = await call(edge, `${WEBHOOKS_PATH}/${webhookId}`, { token: token.token });
    expect(seen.status).toBe(200);
    expect(seen.body?.['id']).toBe(webhookId);
  });

  it('sends a test delivery, answers its result and shows it as the last delivery and in the history', async () => {
    const tested = await admin(adminA, 'POST', `/${webhookId}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({
      deliveryId: expect.stringMatching(/^dlv_test_/),
      success: true,
      statusCode: 200,
      durationMs: expect.any(Number),
      error: null,
    });
    const received = receiver.requests.at(-1);
    expect(received?.headers['x-webhook-event']).toBe('webhook.test');

    const listed = await admin(adminA, 'GET', `?integrationId=${integrationA}`);
    expect(listOf(listed)[0]?.['lastDelivery']).toEqual({
      id: tested.body?.['deliveryId'],
      event: 'webhook.test',
      test: true,
      status: 'DELIVERED',
      attemptCount: 1,
      lastAttempt: {
        at: expect.any(String),
        success: true,
        statusCode: 200,
        durationMs: expect.any(Number),
        error: null,
      },
      createdAt: expect.any(String),
    });
    const history = await admin(adminA, 'GET', `/${webhookId}/deliveries`);
    expect(history.status).toBe(200);
    expect(history.body).toEqual(expect.objectContaining({ total: 1, page: 1, limit: 50 }));
    expect(listOf(history)[0]).toEqual(
      expect.objectContaining({ id: tested.body?.['deliveryId'], test: true, status: 'DELIVERED' }),
    );
  });

  it('pages the delivery history newest first, real events and tests alike', async () => {
    const token = await stack.issueToken(await stack.admin(ORG_A), ['integration:suppliers:write'], {
      integrationId: integrationA,
    });
    expect((await pushSuppliers(edge, token.token, ['SUP-ADM-1'])).status).toBe(200);
    await waitFor(
      async () => {
        const latest = listOf(await admin(adminA, 'GET', `/${webhookId}/deliveries?limit=1`))[0];
        return latest?.['event'] === 'supplier.created' && latest['status'] === 'DELIVERED';
      },
      { timeoutMs: 20_000, message: 'the supplier.created delivery' },
    );
    const first = await admin(adminA, 'GET', `/${webhookId}/deliveries?limit=1&page=1`);
    const second = await admin(adminA, 'GET', `/${webhookId}/deliveries?limit=1&page=2`);
    const third = await admin(adminA, 'GET', `/${webhookId}/deliveries?limit=1&page=3`);
    expect(first.body).toEqual(expect.objectContaining({ total: 2, page: 1, limit: 1 }));
    expect([...listOf(first), ...listOf(second)].map((d) => [d['event'], d['test']])).toEqual([
      ['supplier.created', false],
      ['webhook.test', true],
    ]);
    expect(listOf(third)).toEqual([]);
    const attempt = (listOf(first)[0]?.['attempts'] as Record<string, unknown>[])[0];
    expect(attempt).toEqual(expect.objectContaining({ success: true, statusCode: 200 }));
    expect(listOf(await admin(adminA, 'GET', `?integrationId=${integrationA}`))[0]?.['lastDelivery']).toEqual(
      expect.objectContaining({ event: 'supplier.created', test: false, status: 'DELIVERED' }),
    );
  });

  it('pages the subscriptions of the integration', async () => {
    const second = await create(integrationA, `${receiver.url}/second`, ['dds.approved']);
    expect(second.status).toBe(201);
    const page1 = await admin(adminA, 'GET', `?integrationId=${integrationA}&limit=1`);
    const page2 = await admin(adminA, 'GET', `?integrationId=${integrationA}&limit=1&page=2`);
    expect(page1.body).toEqual(expect.objectContaining({ total: 2, page: 1, limit: 1 }));
    expect([...listOf(page1), ...listOf(page2)].map((s) => s['id'])).toEqual([
      webhookId,
      second.body?.['id'],
    ]);
    expect((await admin(adminA, 'DELETE', `/${String(second.body?.['id'])}`)).status).toBe(204);
  });

  it('re-enables a subscription that its failures disabled, with the failure count reset', async () => {
    const token = await stack.issueToken(await stack.admin(ORG_A), ['integration:suppliers:write'], {
      integrationId: integrationA,
    });
    receiver.setResponder(() => 500);
    expect((await pushSuppliers(edge, token.token, ['SUP-ADM-2'])).status).toBe(200);
    const disabled = await waitFor(
      async () => {
        const one = await admin(adminA, 'GET', `/${webhookId}`);
        return one.body?.['active'] === false ? one.body : null;
      },
      { timeoutMs: 20_000, message: 'the subscription to be disabled' },
    );
    expect(disabled).toEqual(
      expect.objectContaining({
        disabledReason: expect.stringContaining('2 consecutive'),
        lastDelivery: expect.objectContaining({ event: 'supplier.created' }),
      }),
    );
    expect(Number(disabled['consecutiveFailures'])).toBeGreaterThanOrEqual(2);
    // A test delivery to a disabled subscription still goes out, to check the receiver before re-enabling.
    const failedTest = await admin(adminA, 'POST', `/${webhookId}/test`);
    expect(failedTest.body).toEqual(expect.objectContaining({ success: false, statusCode: 500 }));

    receiver.setResponder(() => 200);
    const enabled = await admin(adminA, 'PATCH', `/${webhookId}`, { active: true });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toEqual(
      expect.objectContaining({
        id: webhookId,
        active: true,
        consecutiveFailures: 0,
        disabledAt: null,
        disabledReason: null,
        lastDelivery: expect.objectContaining({ event: 'webhook.test', status: 'FAILED' }),
      }),
    );
  });

  it('deletes a subscription', async () => {
    expect((await admin(adminA, 'DELETE', `/${webhookId}`)).status).toBe(204);
    const gone = await admin(adminA, 'GET', `/${webhookId}`);
    expect([gone.status, errorCode(gone)]).toEqual([404, 'NOT_FOUND']);
    const listed = await admin(adminA, 'GET', `?integrationId=${integrationA}`);
    expect(listed.body).toEqual(expect.objectContaining({ total: 0, data: [] }));
  });
});

describe('another organisation', () => {
  let webhookId: string;

  beforeAll(async () => {
    const created = await create(integrationA);
    expect(created.status).toBe(201);
    webhookId = String(created.body?.['id']);
  });

  it('answers 404 for its integration and its subscriptions, and changes nothing', async () => {
    const attempts = await Promise.all([
      admin(adminB, 'GET', `?integrationId=${integrationA}`),
      admin(adminB, 'POST', '', { integrationId: integrationA, url: receiver.url, events: ['sync.failed'] }),
      admin(adminB, 'GET', `/${webhookId}`),
      admin(adminB, 'PATCH', `/${webhookId}`, { active: false }),
      admin(adminB, 'POST', `/${webhookId}/test`),
      admin(adminB, 'GET', `/${webhookId}/deliveries`),
      admin(adminB, 'DELETE', `/${webhookId}`),
    ]);
    expect(attempts.map((r) => [r.status, errorCode(r)])).toEqual(
      Array.from({ length: attempts.length }, () => [404, 'NOT_FOUND']),
    );
    const mine = await admin(adminA, 'GET', `/${webhookId}`);
    expect(mine.body).toEqual(expect.objectContaining({ active: true, lastDelivery: null }));
    expect(listOf(await admin(adminA, 'GET', `?integrationId=${integrationA}`))).toHaveLength(1);
  });

  it('sees only its own integration’s subscriptions', async () => {
    const own = await admin(adminB, 'POST', '', {
      integrationId: integrationB,
      url: receiver.url,
      events: ['sync.failed'],
    });
    expect(own.status).toBe(201);
    const listed = await admin(adminB, 'GET', `?integrationId=${integrationB}`);
    expect(listOf(listed).map((s) => s['id'])).toEqual([own.body?.['id']]);
  });

  it('answers 404 for an integration that does not exist', async () => {
    const unknown = 'int_000000000000000000000000';
    expect(errorCode(await admin(adminA, 'GET', `?integrationId=${unknown}`))).toBe('NOT_FOUND');
    expect(
      errorCode(
        await admin(adminA, 'POST', '', {
          integrationId: unknown,
          url: receiver.url,
          events: ['sync.failed'],
        }),
      ),
    ).toBe('NOT_FOUND');
    expect(errorCode(await admin(adminA, 'GET', '/wh_000000000000000000000000/deliveries'))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('authentication', () => {
  it('answers 401 without an admin JWT, with a malformed, wrongly signed or expired one, or an integration token', async () => {
    const path = `${ADMIN_WEBHOOKS}?integrationId=${integrationA}`;
    const missing = await call(edge, path);
    expect([missing.status, errorCode(missing)]).toEqual([401, 'AUTHENTICATION_REQUIRED']);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="eudr-admin"');
    const wrongKey = await mintAdminJwt({ secret: 'another-secret-of-at-least-32-characters!', org: ORG_A });
    const expired = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_A, expiresInSeconds: -120 });
    const token = await issueWebhookToken(stack, ORG_A);
    for (const [authorization, code] of [
      ['Bearer not-a-jwt', 'INVALID_ADMIN_TOKEN'],
      [`Bearer ${wrongKey}`, 'INVALID_ADMIN_TOKEN'],
      [`Bearer ${expired}`, 'ADMIN_TOKEN_EXPIRED'],
      [`Bearer ${token.token}`, 'INVALID_ADMIN_TOKEN'],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, 'INVALID_ADMIN_TOKEN'],
    ] as const) {
      const result = await call(edge, path, { authorization });
      expect([result.status, errorCode(result)]).toEqual([401, code]);
    }
  });

  it('answers 403 to a signed-in user who is not an admin', async () => {
    const viewer = await mintAdminJwt({ secret: stack.adminSecret, org: ORG_A, role: 'viewer' });
    for (const [method, path] of [
      ['GET', `?integrationId=${integrationA}`],
      ['POST', ''],
      ['DELETE', '/wh_000000000000000000000000'],
    ] as const) {
      const result = await admin(viewer, method, path, method === 'POST' ? {} : undefined);
      expect([result.status, errorCode(result)]).toEqual([403, 'FORBIDDEN']);
    }
  });
});

describe('validation', () => {
  it.each([
    ['no integrationId', '', /^integrationId: is required/],
    ['a malformed integrationId', '?integrationId=int_nope', /^integrationId: must be an integration id/],
    [
      'an integrationId given twice',
      `?integrationId=${'int_'.padEnd(28, 'a')}&integrationId=x`,
      /^integrationId: /,
    ],
    ['a huge integrationId', `?integrationId=${'int_'.padEnd(5_000, 'a')}`, /^integrationId: /],
    ['limit 0', `?integrationId=${'int_'.padEnd(28, 'a')}&limit=0`, /^limit: /],
    ['page 0', `?integrationId=${'int_'.padEnd(28, 'a')}&page=0`, /^page: /],
  ])('answers 400 to a list with %s', async (_name, query, message) => {
    const result = await admin(adminA, 'GET', query);
    expect([result.status, errorCode(result)]).toEqual([400, 'VALIDATION_ERROR']);
    expect(String(result.body?.['message'])).toMatch(message);
  });

  it.each([
    ['no integrationId', { url: 'https://example.com/h', events: ['sync.failed'] }, /^integrationId: /],
    [
      'a bad url',
      { integrationId: 'int_'.padEnd(28, 'a'), url: 'ftp://x', events: ['sync.failed'] },
      /^url: /,
    ],
    [
      'no events',
      { integrationId: 'int_'.padEnd(28, 'a'), url: 'https://example.com/h', events: [] },
      /^events: /,
    ],
    [
      'an unknown event',
      { integrationId: 'int_'.padEnd(28, 'a'), url: 'https://example.com/h', events: ['x'] },
      /^events/,
    ],
    ['a body that is not an object', [1, 2], /must be a JSON object/],
  ])('answers 400 to an add with %s', async (_name, body, message) => {
    const result = await admin(adminA, 'POST', '', body);
    expect([result.status, errorCode(result)]).toEqual([400, 'VALIDATION_ERROR']);
    expect(String(result.body?.['message'])).toMatch(message);
  });

  it('answers 400 to an add of a private target and to a body that is not JSON, before anything is stored', async () => {
    const privateTarget = await admin(adminA, 'POST', '', {
      integrationId: integrationA,
      url: 'http://10.0.0.1/hooks',
      events: ['sync.failed'],
    });
    expect([privateTarget.status, errorCode(privateTarget)]).toEqual([400, 'VALIDATION_ERROR']);
    const notJson = await fetch(`${edge}${ADMIN_WEBHOOKS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminA}`, 'content-type': 'application/json' },
      body: '{"integrationId":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toBe('INVALID_JSON');
  });

  it('answers 400 to an empty change and to an out-of-range history page', async () => {
    const created = await create(integrationA);
    const id = String(created.body?.['id']);
    const empty = await admin(adminA, 'PATCH', `/${id}`, {});
    expect([empty.status, errorCode(empty)]).toEqual([400, 'VALIDATION_ERROR']);
    const history = await admin(adminA, 'GET', `/${id}/deliveries?limit=101`);
    expect([history.status, errorCode(history)]).toEqual([400, 'VALIDATION_ERROR']);
    expect((await admin(adminA, 'DELETE', `/${id}`)).status).toBe(204);
  });
});
