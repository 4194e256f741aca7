import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startReceiver } from '../helpers/receiver';
import type { Receiver } from '../helpers/receiver';
import {
  WEBHOOKS_PATH,
  call,
  createSubscription,
  issueWebhookToken,
  listDeliveries,
  pushSuppliers,
  startWebhooksStack,
  waitFor,
} from '../helpers/webhooks-stack';
import type { WebhooksStack } from '../helpers/webhooks-stack';

// A receiver that is down for good: after 10 consecutive failed attempts the subscription is disabled
// (and the delivery history says so); PATCH {active: true} re-enables it and new events flow again.
// Short retry delays keep this fast.

jest.setTimeout(90_000);

let stack: WebhooksStack;
let receiver: Receiver | undefined;

beforeAll(async () => {
  stack = await startWebhooksStack('wh_disable', { WEBHOOK_RETRY_DELAYS_MS: '50,50,50' });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
}, 60_000);

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a receiver that is down for good', () => {
  it('disables the subscription after 10 consecutive failures, and PATCH active:true resumes deliveries', async () => {
    const edge = stack.edge.url;
    const token = await issueWebhookToken(stack, 'org_wh_disable');
    const port = await closedPort();
    const created = await createSubscription(edge, token.token, `http://127.0.0.1:${port}/hooks`, [
      'supplier.created',
    ]);
    expect(created.status).toBe(201);
    const id = String(created.body?.['id']);

    // Three events, up to four attempts each: the tenth failed attempt disables the subscription.
    expect((await pushSuppliers(edge, token.token, ['SUP-D-1', 'SUP-D-2', 'SUP-D-3'])).status).toBe(200);
    const disabled = await waitFor(
      async () => {
        const one = await call(edge, `${WEBHOOKS_PATH}/${id}`, { token: token.token });
        return one.body?.['active'] === false ? one.body : null;
      },
      { timeoutMs: 30_000, message: 'the subscription to be disabled' },
    );
    expect(disabled).toEqual(
      expect.objectContaining({
        disabledAt: expect.any(String),
        disabledReason: expect.stringContaining('10 consecutive'),
      }),
    );
    expect(Number(disabled['consecutiveFailures'])).toBeGreaterThanOrEqual(10);

    const history = await waitFor(
      async () => {
        const all = await listDeliveries(edge, token.token, id);
        return all.length === 3 && all.every((delivery) => delivery.status !== 'PENDING') ? all : null;
      },
      { timeoutMs: 20_000, message: 'every delivery settled' },
    );
    // Attempts already in flight when the tenth failed may still complete (and fail): 10 to 12.
    const attempts = history.reduce((sum, delivery) => sum + delivery.attemptCount, 0);
    expect(attempts).toBeGreaterThanOrEqual(10);
    expect(attempts).toBeLessThanOrEqual(12);
    const marked = history.filter((delivery) => delivery.subscriptionDisabled);
    expect(marked).toHaveLength(1);
    expect(marked[0]?.reason).toContain('disabled');
    for (const delivery of history) {
      expect(delivery.attempts.every((attempt) => !attempt.success && attempt.statusCode === null)).toBe(
        true,
      );
    }

    // While disabled, new events are not sent. A second subscription of the same integration, always
    // active, is the witness: once it has SUP-D-4, the event has been turned into every delivery it
    // owes, and the disabled subscription got none.
    receiver = await startReceiver({ port });
    const witness = await startReceiver();
    try {
      expect((await createSubscription(edge, token.token, witness.url, ['supplier.created'])).status).toBe(
        201,
      );
      await pushSuppliers(edge, token.token, ['SUP-D-4']);
      await waitFor(() => witness.requests.some((request) => request.body.includes('SUP-D-4')), {
        timeoutMs: 20_000,
        message: 'the witness to receive SUP-D-4',
      });
    } finally {
      await witness.close();
    }
    expect(await listDeliveries(edge, token.token, id)).toHaveLength(3);
    expect(receiver.requests).toHaveLength(0);

    const reenabled = await call(edge, `${WEBHOOKS_PATH}/${id}`, {
      method: 'PATCH',
      token: token.token,
      body: { active: true },
    });
    expect(reenabled.status).toBe(200);
    expect(reenabled.body).toEqual(
      expect.objectContaining({
        active: true,
        consecutiveFailures: 0,
        disabledAt: null,
        disabledReason: null,
      }),
    );

    expect((await pushSuppliers(edge, token.token, ['SUP-D-5'])).status).toBe(200);
    const delivered = await waitFor(
      () => receiver?.requests.find((request) => request.body.includes('SUP-D-5')),
      { timeoutMs: 20_000, message: 'the delivery after re-enabling' },
    );
    expect(delivered.headers['x-webhook-event']).toBe('supplier.created');
    expect(receiver.requests.some((request) => request.body.includes('SUP-D-4'))).toBe(false);
    // SUP-D-4 was never queued, not even once re-enabled: the three from before and SUP-D-5.
    expect(await listDeliveries(edge, token.token, id)).toHaveLength(4);
  });
});
