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

describe('registering internal targets without an allow-list', () => {
  let stack: WebhooksStack;
  let token: IssuedToken;

  beforeAll(async () => {
    stack = await startWebhooksStack('wh_ssrf', { WEBHOOK_TARGET_ALLOWLIST: '' }, { withSuppliers: false });
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
  ])('refuses %s with 400 VALIDATION_ERROR naming a %s address', async (url, label) => {
    const result = await createSubscription(stack.edge.url, token.token, url, ['supplier.created']);
    expect(result.status).toBe(400);
    expect(result.body?.['error']).toBe('VALIDATION_ERROR');
    expect(String(result.body?.['message'])).toContain(label);
    expect(String(result.body?.['message'])).toMatch(/^url: /);
  });

  it('refuses to move an existing subscription to an internal target with PATCH', async () => {
    // No subscription can exist here with an internal URL, so PATCH of an unknown id is 404 first;
    // the check itself is the same function as for POST.
    const result = await call(stack.edge.url, `${WEBHOOKS_PATH}/wh_000000000000000000000000`, {
      method: 'PATCH',
      token: token.token,
      body: { url: 'http://127.0.0.1/x' },
    });
    expect(result.status).toBe(404);
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
