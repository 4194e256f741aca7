import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startReceiver } from './helpers/receiver';
import type { Receiver } from './helpers/receiver';
import {
  WEBHOOKS_PATH,
  call,
  createSubscription,
  issueWebhookToken,
  startWebhooksStack,
} from './helpers/webhooks-stack';
import type { IssuedToken, WebhooksStack } from './helpers/webhooks-stack';
import { createWebhookSender } from '../src/deliveries/webhook-sender';
import { createTargetPolicy } from '../src/subscriptions/target-policy';

// SSRF protection: internal targets are refused at registration (without an allow-list) and, whatever
// was registered, again at delivery time on the address actually connected to.

jest.setTimeout(60_000);

describe('registering internal targets outside the allow-list', () => {
  let stack: WebhooksStack;
  let token: IssuedToken;
  // The one internal address this stack may target, so that a subscription exists to move elsewhere.
  const ALLOWED = 'http://127.0.0.2:9/hooks';

  beforeAll(async () => {
    stack = await startWebhooksStack(
      'wh_ssrf',
      { WEBHOOK_TARGET_ALLOWLIST: '127.0.0.2' },
      { withSuppliers: false },
    );
    token = await issueWebhookToken(stack, 'org_wh_ssrf', ['integration:webhooks:manage']);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it.each([
    ['http://127.0.0.1/hooks', 'loopback'],
    ['http://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['http://10.0.0.1/hooks', 'private'],
    ['http://[::1]/hooks', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hooks', 'loopback'],
    ['http://[fd00:ec2::254]/hooks', 'cloud metadata'],
    ['http://100.64.1.1/hooks', 'carrier-grade NAT'],
    ['http://localhost:8080/hooks', 'localhost resolves to'],
    ['http://[::127.0.0.1]/hooks', 'IPv4-compatible'],
    ['http://[::8.8.8.8]/hooks', 'IPv4-compatible'],
    ['http://[fec0::1]/hooks', 'site-local'],
    ['http://[64:ff9b:1::a00:1]/hooks', 'local-use NAT64'],
  ])('refuses %s with 400 VALIDATION_ERROR naming a %s address', async (url, label) => {
    const result = await createSubscription(stack.edge.url, token.token, url, ['supplier.created']);
    expect(result.status).toBe(400);
    expect(result.body?.['error']).toBe('VALIDATION_ERROR');
    expect(String(result.body?.['message'])).toContain(label);
    expect(String(result.body?.['message'])).toMatch(/^url: /);
  });

  it('refuses to move an existing subscription to an internal target with PATCH, and keeps its URL', async () => {
    const created = await createSubscription(stack.edge.url, token.token, ALLOWED, ['supplier.created']);
    expect(created.status).toBe(201);
    const path = `${WEBHOOKS_PATH}/${String(created.body?.['id'])}`;
    for (const url of [
      'http://127.0.0.1/x',
      'http://[::ffff:10.0.0.1]/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[fec0::1]/x',
      'http://localhost:8080/x',
    ]) {
      const result = await call(stack.edge.url, path, { method: 'PATCH', token: token.token, body: { url } });
      expect({ url, status: result.status, error: result.body?.['error'] }).toEqual({
        url,
        status: 400,
        error: 'VALIDATION_ERROR',
      });
      expect(String(result.body?.['message'])).toMatch(/^url: .*publicly routable|^url: .*resolves to/);
    }
    expect((await call(stack.edge.url, path, { token: token.token })).body?.['url']).toBe(ALLOWED);
    // The allow-list itself still works for PATCH: the same address is accepted.
    const same = await call(stack.edge.url, path, {
      method: 'PATCH',
      token: token.token,
      body: { url: `${ALLOWED}/v2` },
    });
    expect(same.status).toBe(200);
  });
});

describe('the delivery-time check', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  const request = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

  it('refuses to connect to a loopback receiver, by address or by a name resolving to it', async () => {
    const sender = createWebhookSender({ policy: createTargetPolicy([]), timeoutMs: 2_000 });
    try {
      const byAddress = await sender.send(request(receiver.url));
      const byName = await sender.send(request(`http://localhost:${receiver.port}/hooks`));
      for (const outcome of [byAddress, byName]) {
        expect(outcome).toEqual(expect.objectContaining({ ok: false, statusCode: null }));
        expect(outcome.error).toContain('target refused');
      }
      expect(receiver.requests).toHaveLength(0);
    } finally {
      sender.close();
    }
  });

  it('connects to the checked address when the allow-list permits it', async () => {
    const sender = createWebhookSender({ policy: createTargetPolicy(['127.0.0.1']), timeoutMs: 2_000 });
    try {
      const outcome = await sender.send(request(`http://localhost:${receiver.port}/hooks`));
      expect(outcome).toEqual(expect.objectContaining({ ok: true, statusCode: 200 }));
      expect(receiver.requests).toHaveLength(1);
    } finally {
      sender.close();
    }
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    receiver.setResponder(() => 200);
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as AddressInfo;
    const sender = createWebhookSender({ policy: createTargetPolicy(['127.0.0.1']), timeoutMs: 300 });
    try {
      const outcome = await sender.send(request(`http://127.0.0.1:${port}/`));
      expect(outcome).toEqual(
        expect.objectContaining({ ok: false, statusCode: null, error: 'no answer within 300 ms' }),
      );
    } finally {
      sender.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
