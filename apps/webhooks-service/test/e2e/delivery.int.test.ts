import { createHmac } from 'node:crypto';
import { DOMAIN_EVENT_TYPES } from '@eudr/events';
import { readRawMessages } from '@eudr/testkit';
import { Webhook } from 'standardwebhooks';
import type { DeliveryDocument } from '../../src/deliveries/delivery.model';
import { startReceiver } from '../helpers/receiver';
import type { Receiver } from '../helpers/receiver';
import {
  MANAGE,
  WEBHOOKS_PATH,
  call,
  createSubscription,
  issueWebhookToken,
  listDeliveries,
  pushSuppliers,
  startWebhooksStack,
  waitFor,
} from '../helpers/webhooks-stack';
import type { HttpResult, IssuedToken, WebhooksStack } from '../helpers/webhooks-stack';

// One stack (auth, suppliers, webhooks as real processes behind the edge) and a receiver on 127.0.0.1:
// creating subscriptions, a signed delivery of a supplier pushed through suppliers-service, the rest of
// the API, tenancy, and where the secret must never show up.

jest.setTimeout(60_000);

let stack: WebhooksStack;
let receiver: Receiver;
let edge: string;
let token: IssuedToken;
const secretsSeen: string[] = [];

beforeAll(async () => {
  stack = await startWebhooksStack('wh_delivery', { WEBHOOK_RETRY_DELAYS_MS: '200,200,200' });
  edge = stack.edge.url;
  receiver = await startReceiver();
  token = await issueWebhookToken(stack, 'org_wh_a');
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
}, 60_000);

async function create(url: string, events: string[], as = token): Promise<HttpResult> {
  const result = await createSubscription(edge, as.token, url, events);
  if (typeof result.body?.['secret'] === 'string') secretsSeen.push(result.body['secret']);
  return result;
}

describe('a supplier pushed through suppliers-service', () => {
  let subscription: Record<string, unknown>;
  let secret: string;
  let cacheControl: string | null;

  beforeAll(async () => {
    const created = await create(receiver.url, ['supplier.created']);
    expect(created.status).toBe(201);
    cacheControl = created.headers.get('cache-control');
    subscription = created.body as Record<string, unknown>;
    secret = String(subscription['secret']);
    expect((await pushSuppliers(edge, token.token, ['SUP-WH-1'])).status).toBe(200);
    await waitFor(() => receiver.requests.length >= 1, { timeoutMs: 20_000, message: 'the first delivery' });
    // Once the history says DELIVERED, no second request for it is on its way.
    await waitFor(
      async () =>
        (await listDeliveries(edge, token.token, String(subscription['id'])))[0]?.status === 'DELIVERED',
    );
  });

  it('answers the create with 201, a wh_ id and a whsec_ secret, never to be cached', () => {
    expect(cacheControl).toBe('no-store');
    expect(subscription).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(/^wh_/),
        url: receiver.url,
        events: ['supplier.created'],
        active: true,
      }),
    );
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('reaches the receiver exactly once, with the documented body and headers', () => {
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(body).toEqual({
      event: 'supplier.created',
      timestamp: expect.any(String),
      integrationId: token.integrationId,
      data: expect.objectContaining({ externalId: 'SUP-WH-1', internalId: expect.stringMatching(/^sup_/) }),
    });
    expect(request?.headers).toEqual(
      expect.objectContaining({
        'content-type': 'application/json',
        'user-agent': 'EUDR-Platform-Webhook/1.0',
        'x-webhook-event': 'supplier.created',
        'x-webhook-id': subscription['id'],
        'x-webhook-delivery': expect.stringMatching(/^dlv_/),
        'webhook-id': request?.headers['x-webhook-delivery'],
        'webhook-timestamp': request?.headers['x-webhook-timestamp'],
      }),
    );
  });

  it('signs X-Webhook-Signature as HMAC-SHA256 of timestamp.body with the secret', () => {
    const [request] = receiver.requests;
    const timestamp = String(request?.headers['x-webhook-timestamp']);
    const expected = createHmac('sha256', secret).update(`${timestamp}.${request?.body}`).digest('hex');
    expect(request?.headers['x-webhook-signature']).toBe(`sha256=${expected}`);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('passes the standardwebhooks verifier given the secret as returned', () => {
    const [request] = receiver.requests;
    const payload = new Webhook(secret).verify(String(request?.body), {
      'webhook-id': String(request?.headers['webhook-id']),
      'webhook-timestamp': String(request?.headers['webhook-timestamp']),
      'webhook-signature': String(request?.headers['webhook-signature']),
    });
    expect(payload).toEqual(expect.objectContaining({ event: 'supplier.created' }));
  });

  it('records the delivery with its one successful attempt', async () => {
    const [delivery] = await listDeliveries(edge, token.token, String(subscription['id']));
    expect(delivery).toEqual(
      expect.objectContaining({
        id: receiver.requests[0]?.headers['x-webhook-delivery'],
        event: 'supplier.created',
        status: 'DELIVERED',
        attemptCount: 1,
        attempts: [
          expect.objectContaining({ success: true, statusCode: 200, durationMs: expect.any(Number) }),
        ],
      }),
    );
  });
});

describe('POST /webhook-events validation', () => {
  const valid = ['supplier.created'];
  it.each([
    ['an ftp URL', { url: 'ftp://127.0.0.1/x', events: valid }],
    ['a relative URL', { url: '/hooks', events: valid }],
    ['a URL longer than 2048 characters', { url: `http://127.0.0.1/${'a'.repeat(2040)}`, events: valid }],
    ['a URL with credentials', { url: 'http://user:pw@127.0.0.1/x', events: valid }],
    ['no events', { url: 'http://127.0.0.1/x', events: [] }],
    ['an unknown event', { url: 'http://127.0.0.1/x', events: ['supplier.exploded'] }],
    ['a repeated event', { url: 'http://127.0.0.1/x', events: ['batch.created', 'batch.created'] }],
    ['no body fields', {}],
  ])('rejects %s with 400 VALIDATION_ERROR', async (_name, body) => {
    const result = await call(edge, WEBHOOKS_PATH, { method: 'POST', token: token.token, body });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(
      expect.objectContaining({ error: 'VALIDATION_ERROR', message: expect.any(String) }),
    );
  });

  it('accepts all 14 event types in one subscription', async () => {
    const result = await create(receiver.url, [...DOMAIN_EVENT_TYPES]);
    expect(result.status).toBe(201);
    expect(result.body?.['events']).toEqual([...DOMAIN_EVENT_TYPES]);
    await call(edge, `${WEBHOOKS_PATH}/${String(result.body?.['id'])}`, {
      method: 'DELETE',
      token: token.token,
    });
  });

  it('rejects a token without integration:webhooks:manage with 403 INSUFFICIENT_SCOPES', async () => {
    const other = await issueWebhookToken(stack, 'org_wh_a', ['integration:suppliers:read']);
    const result = await call(edge, WEBHOOKS_PATH, { token: other.token });
    expect(result.status).toBe(403);
    expect(result.body?.['error']).toBe('INSUFFICIENT_SCOPES');
  });
});

describe('the rest of the subscription API', () => {
  let id: string;
  beforeAll(async () => {
    const created = await create(receiver.url, ['batch.created']);
    id = String(created.body?.['id']);
  });

  it('lists subscriptions paginated and without secrets', async () => {
    const list = await call(edge, `${WEBHOOKS_PATH}?page=1&limit=100`, { token: token.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.objectContaining({ total: expect.any(Number), page: 1, limit: 100 }));
    const entities = list.body?.['entities'] as Record<string, unknown>[];
    expect(entities.map((entity) => entity['id'])).toContain(id);
    for (const entity of entities) expect(entity).not.toHaveProperty('secret');
    expect((await call(edge, `${WEBHOOKS_PATH}?limit=101`, { token: token.token })).status).toBe(400);
  });

  it('gets one subscription without its secret', async () => {
    const one = await call(edge, `${WEBHOOKS_PATH}/${id}`, { token: token.token });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(expect.objectContaining({ id, events: ['batch.created'], active: true }));
    expect(one.body).not.toHaveProperty('secret');
  });

  it('updates the url and events with PATCH', async () => {
    const patched = await call(edge, `${WEBHOOKS_PATH}/${id}`, {
      method: 'PATCH',
      token: token.token,
      body: { url: `${receiver.url}/v2`, events: ['batch.updated', 'dds.approved'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(
      expect.objectContaining({ url: `${receiver.url}/v2`, events: ['batch.updated', 'dds.approved'] }),
    );
    const bad = await call(edge, `${WEBHOOKS_PATH}/${id}`, {
      method: 'PATCH',
      token: token.token,
      body: { events: [] },
    });
    expect(bad.status).toBe(400);
  });

  it('sends a test delivery now and reports outcome, status code and duration', async () => {
    const before = receiver.requests.length;
    const result = await call(edge, `${WEBHOOKS_PATH}/${id}/test`, { method: 'POST', token: token.token });
    expect(result.status).toBe(200);
    expect(result.body).toEqual(
      expect.objectContaining({
        success: true,
        statusCode: 200,
        durationMs: expect.any(Number),
        deliveryId: expect.stringMatching(/^dlv_/),
      }),
    );
    expect(receiver.requests).toHaveLength(before + 1);
    expect(receiver.requests[before]?.headers['x-webhook-event']).toBe('webhook.test');
    const history = await listDeliveries(edge, token.token, id);
    expect(history[0]).toEqual(
      expect.objectContaining({ id: result.body?.['deliveryId'], status: 'DELIVERED' }),
    );
  });

  it("answers 404 NOT_FOUND for another organisation's or another integration's subscription", async () => {
    const otherOrg = await issueWebhookToken(stack, 'org_wh_b');
    const sameOrgOtherIntegration = await issueWebhookToken(stack, 'org_wh_a');
    for (const other of [otherOrg, sameOrgOtherIntegration]) {
      for (const [method, path] of [
        ['GET', `${WEBHOOKS_PATH}/${id}`],
        ['PATCH', `${WEBHOOKS_PATH}/${id}`],
        ['DELETE', `${WEBHOOKS_PATH}/${id}`],
        ['POST', `${WEBHOOKS_PATH}/${id}/test`],
        ['GET', `${WEBHOOKS_PATH}/${id}/deliveries`],
      ] as const) {
        const result = await call(edge, path, {
          method,
          token: other.token,
          ...(method === 'PATCH' ? { body: { active: true } } : {}),
        });
        expect({ method, path, status: result.status, error: result.body?.['error'] }).toEqual({
          method,
          path,
          status: 404,
          error: 'NOT_FOUND',
        });
      }
      const list = await call(edge, WEBHOOKS_PATH, { token: other.token });
      expect(list.body?.['total']).toBe(0);
    }
  });

  it('deletes a subscription, after which it is 404', async () => {
    expect(
      (await call(edge, `${WEBHOOKS_PATH}/${id}`, { method: 'DELETE', token: token.token })).status,
    ).toBe(204);
    expect((await call(edge, `${WEBHOOKS_PATH}/${id}`, { token: token.token })).status).toBe(404);
    expect(
      (await call(edge, `${WEBHOOKS_PATH}/${id}`, { method: 'DELETE', token: token.token })).status,
    ).toBe(404);
  });
});

describe('organisation isolation', () => {
  it("delivers one organisation's events to its own subscribers only", async () => {
    const own = await issueWebhookToken(stack, 'org_wh_iso_a');
    const other = await issueWebhookToken(stack, 'org_wh_iso_b');
    const ownReceiver = await startReceiver();
    const otherReceiver = await startReceiver();
    try {
      const ownSubscription = await create(ownReceiver.url, ['supplier.created'], own);
      expect(ownSubscription.status).toBe(201);
      expect((await create(otherReceiver.url, ['supplier.created'], other)).status).toBe(201);
      // An integration's event, and one the platform caused (no integration), which goes to every
      // subscription of its organisation: neither may cross to the other organisation's subscriber.
      expect((await pushSuppliers(edge, own.token, ['SUP-ISO-1'])).status).toBe(200);
      const { createDomainEvent, domainEventKey } = await import('@eudr/events');
      const { produceRaw } = await import('@eudr/testkit');
      const platformEvent = createDomainEvent({
        type: 'supplier.created',
        orgId: 'org_wh_iso_a',
        source: 'suppliers-service',
        data: { externalId: 'SUP-ISO-2', internalId: 'sup_000000000000000000000003', name: 'Platform' },
      });
      await produceRaw(
        stack.kafkaBrokers,
        `${stack.scope.topicPrefix}suppliers`,
        0,
        Buffer.from(domainEventKey(platformEvent)),
        Buffer.from(JSON.stringify(platformEvent)),
      );
      // Both events have been turned into every delivery they owe once the own subscriber has both.
      await waitFor(() => ownReceiver.requests.length >= 2, {
        timeoutMs: 20_000,
        message: "both events at the organisation's own subscriber",
      });
      const { client, db } = await stack.webhooksDb();
      try {
        expect(await db.collection('deliveries').countDocuments({ orgId: 'org_wh_iso_b' })).toBe(0);
      } finally {
        await client.close();
      }
      expect(otherReceiver.requests).toHaveLength(0);
      // The other subscriber works: its own organisation's event reaches it, once.
      expect((await pushSuppliers(edge, other.token, ['SUP-ISO-3'])).status).toBe(200);
      await waitFor(() => otherReceiver.requests.length >= 1, {
        timeoutMs: 20_000,
        message: "the other organisation's own event",
      });
      expect(otherReceiver.requests.map((request) => request.body)).toEqual([
        expect.stringContaining('SUP-ISO-3'),
      ]);
      // A delivery of the other organisation that names this organisation's subscription (a stored
      // document gone wrong) is looked up within its own organisation, finds nothing and is not sent.
      const { client: dbClient, db: webhooksDb } = await stack.webhooksDb();
      try {
        const now = new Date();
        await webhooksDb.collection<DeliveryDocument>('deliveries').insertOne({
          _id: 'dlv_forged_across_organisations',
          subscriptionId: String(ownSubscription.body?.['id']),
          orgId: 'org_wh_iso_b',
          integrationId: other.integrationId,
          eventId: null,
          eventType: 'supplier.created',
          test: false,
          body: JSON.stringify({ event: 'supplier.created', data: { externalId: 'SUP-ISO-FORGED' } }),
          status: 'PENDING',
          attempts: [],
          nextAttemptAt: now,
          leaseOwner: null,
          leaseUntil: null,
          reason: null,
          subscriptionDisabled: false,
          createdAt: now,
          updatedAt: now,
        });
        const settled = await waitFor(
          () =>
            webhooksDb
              .collection<{ _id: string; status: string; reason: string | null }>('deliveries')
              .findOne({ _id: 'dlv_forged_across_organisations', status: { $ne: 'PENDING' } }),
          { timeoutMs: 20_000, message: 'the forged delivery to be settled' },
        );
        expect(settled).toEqual(
          expect.objectContaining({ status: 'SKIPPED', reason: 'the subscription was deleted' }),
        );
      } finally {
        await dbClient.close();
      }
      expect(ownReceiver.requests).toHaveLength(2);
    } finally {
      await ownReceiver.close();
      await otherReceiver.close();
    }
  });
});

describe('an INACTIVE integration', () => {
  it('records events that arrive while it is inactive as SKIPPED deliveries and sends nothing', async () => {
    const admin = await stack.admin('org_wh_c');
    const inactive = await issueWebhookToken(stack, 'org_wh_c');
    const watcher = await startReceiver();
    try {
      const created = await create(watcher.url, ['supplier.created', 'sync.completed'], inactive);
      const id = String(created.body?.['id']);
      // While active, a push is delivered (the path works).
      await pushSuppliers(edge, inactive.token, ['SUP-C-1']);
      await waitFor(() => watcher.requests.length >= 2, {
        timeoutMs: 20_000,
        message: 'deliveries while active',
      });
      await admin.setIntegrationStatus(inactive.integrationId, 'INACTIVE');
      // webhooks-service has seen the change once it refuses the integration's token.
      await waitFor(
        async () =>
          (await call(edge, WEBHOOKS_PATH, { token: inactive.token })).body?.['error'] ===
          'INTEGRATION_INACTIVE',
      );
      // The integration's own token is refused now, so the platform side produces its next event:
      // a supplier event of that integration, written to its topic as suppliers-service would.
      const { createDomainEvent, domainEventKey } = await import('@eudr/events');
      const { produceRaw } = await import('@eudr/testkit');
      const event = createDomainEvent({
        type: 'supplier.created',
        orgId: 'org_wh_c',
        integrationId: inactive.integrationId,
        source: 'suppliers-service',
        data: { externalId: 'SUP-C-2', internalId: 'sup_000000000000000000000002', name: 'While inactive' },
      });
      await produceRaw(
        stack.kafkaBrokers,
        `${stack.scope.topicPrefix}suppliers`,
        0,
        Buffer.from(domainEventKey(event)),
        Buffer.from(JSON.stringify(event)),
      );
      const { client, db } = await stack.webhooksDb();
      try {
        const skipped = await waitFor(() => db.collection('deliveries').findOne({ eventId: event.id }), {
          timeoutMs: 20_000,
          message: 'the SKIPPED delivery',
        });
        expect(skipped).toEqual(
          expect.objectContaining({ status: 'SKIPPED', subscriptionId: id, attempts: [] }),
        );
        expect(String(skipped['reason'])).toContain('inactive');
      } finally {
        await client.close();
      }
      expect(watcher.requests).toHaveLength(2);
    } finally {
      await watcher.close();
    }
  });
});

describe('the subscription secret', () => {
  const secretParts = () => secretsSeen.flatMap((secret) => [secret, secret.slice('whsec_'.length)]);

  it('was handed out at least once in these tests', () => {
    expect(secretsSeen.length).toBeGreaterThanOrEqual(2);
  });

  it('never appears in a list or get response', async () => {
    const list = await call(edge, `${WEBHOOKS_PATH}?limit=100`, { token: token.token });
    const text = JSON.stringify(list.body);
    const ids = (list.body?.['entities'] as { id: string }[]).map((entity) => entity.id);
    const gets = await Promise.all(
      ids.map((id) => call(edge, `${WEBHOOKS_PATH}/${id}`, { token: token.token })),
    );
    for (const part of secretParts()) {
      expect(text).not.toContain(part);
      for (const get of gets) expect(JSON.stringify(get.body)).not.toContain(part);
    }
  });

  it('never appears in a log line of webhooks-service', () => {
    const logs = stack.webhooks.logs();
    expect(logs).toContain('webhook subscription created');
    for (const part of secretParts()) expect(logs).not.toContain(part);
  });

  it('never appears in a Kafka message', async () => {
    const topics = [
      'auth.tokens',
      'auth.integrations',
      'auth.token-usage',
      'suppliers',
      'products',
      'batches',
      'dds',
      'sync',
    ];
    const messages = await readRawMessages(
      stack.kafkaBrokers,
      topics.map((topic) => `${stack.scope.topicPrefix}${topic}`),
    );
    expect(messages.length).toBeGreaterThan(0);
    const text = JSON.stringify(messages);
    for (const part of secretParts()) expect(text).not.toContain(part);
  });

  it('is stored only encrypted in the database', async () => {
    const { client, db } = await stack.webhooksDb();
    try {
      const subscriptions = await db.collection('subscriptions').find({}).toArray();
      expect(subscriptions.length).toBeGreaterThan(0);
      const everything = [];
      for (const { name } of await db.listCollections().toArray()) {
        everything.push(await db.collection(name).find({}).toArray());
      }
      const text = JSON.stringify(everything);
      expect(text).toContain('sealedSecret');
      expect(text).not.toContain('whsec_');
      for (const part of secretParts()) expect(text).not.toContain(part);
      for (const doc of subscriptions) expect(String(doc['sealedSecret'])).toMatch(/^v1\./);
    } finally {
      await client.close();
    }
  });
});

describe('GET /webhook-events without the scope', () => {
  it('is refused for a token of the same integration that lacks it', async () => {
    const readOnly = await stack.issueToken(await stack.admin('org_wh_a'), ['integration:suppliers:read'], {
      integrationId: token.integrationId,
    });
    const result = await call(edge, WEBHOOKS_PATH, { token: readOnly.token });
    expect(result.status).toBe(403);
    expect(String(result.headers.get('www-authenticate'))).toContain(MANAGE);
  });
});
