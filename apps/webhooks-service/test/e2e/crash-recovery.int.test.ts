import { startReceiver } from '../helpers/receiver';
import type { Receiver } from '../helpers/receiver';
import {
  createSubscription,
  issueWebhookToken,
  pushSuppliers,
  startWebhooksStack,
  waitFor,
} from '../helpers/webhooks-stack';
import type { WebhooksStack } from '../helpers/webhooks-stack';

// webhooks-service is killed (SIGKILL, nothing flushed) while deliveries are pending, then started
// again: every pending delivery is made, and none that the receiver had already acknowledged with a 2xx
// (and that was recorded as DELIVERED) is sent again. The receiver counts by X-Webhook-Delivery.

jest.setTimeout(120_000);

const COUNT = 20;
let stack: WebhooksStack;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startWebhooksStack('wh_crash', {
    WEBHOOK_RETRY_DELAYS_MS: '6000,6000,6000',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_LEASE_MS: '4000',
  });
  // Odd-numbered suppliers fail their first attempt, so they are pending (retry in 6 s) at the kill.
  receiver = await startReceiver({
    responder: (request, index) => {
      const externalId = String(
        (JSON.parse(request.body) as { data?: { externalId?: string } }).data?.externalId,
      );
      return Number(externalId.split('-').pop()) % 2 === 1 && index === 0 ? 500 : 200;
    },
  });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
}, 60_000);

describe('webhooks-service killed while deliveries are pending', () => {
  it('makes every pending delivery after a restart and repeats none that was recorded as delivered', async () => {
    const token = await issueWebhookToken(stack, 'org_wh_crash');
    const created = await createSubscription(stack.edge.url, token.token, receiver.url, ['supplier.created']);
    expect(created.status).toBe(201);
    const ids = Array.from({ length: COUNT }, (_, i) => `SUP-K-${i}`);
    expect((await pushSuppliers(stack.edge.url, token.token, ids)).status).toBe(200);
    await waitFor(() => receiver.byDelivery().size >= COUNT, {
      timeoutMs: 20_000,
      message: 'a first attempt of every delivery',
    });

    // Kill once the even-numbered deliveries (2xx at the first attempt) are recorded as DELIVERED: the
    // receiver's answer alone does not mean that yet.
    const { client: before, db: beforeDb } = await stack.webhooksDb();
    try {
      await waitFor(
        async () =>
          (await beforeDb.collection('deliveries').countDocuments({ status: 'DELIVERED' })) >= COUNT / 2,
        { timeoutMs: 5_000, message: 'the first-attempt successes recorded as DELIVERED' },
      );
    } finally {
      await before.close();
    }
    await stack.webhooks.kill();
    const { client, db } = await stack.webhooksDb();
    let deliveredBefore: string[];
    let pendingBefore: string[];
    try {
      const all = await db.collection<{ _id: string; status: string }>('deliveries').find({}).toArray();
      deliveredBefore = all.filter((doc) => doc.status === 'DELIVERED').map((doc) => doc._id);
      pendingBefore = all.filter((doc) => doc.status === 'PENDING').map((doc) => doc._id);
      expect(deliveredBefore.length + pendingBefore.length).toBe(COUNT);
    } finally {
      await client.close();
    }
    // The kill came before the retries: something was pending, and something delivered already.
    expect(pendingBefore.length).toBeGreaterThan(0);
    expect(deliveredBefore.length).toBeGreaterThan(0);

    await stack.webhooks.restart();
    // Once every delivery is recorded as DELIVERED nothing is pending, so nothing more will be sent.
    const { client: after, db: afterDb } = await stack.webhooksDb();
    try {
      await waitFor(
        async () =>
          (await afterDb.collection('deliveries').countDocuments({ status: 'DELIVERED' })) === COUNT,
        { timeoutMs: 40_000, message: 'every delivery recorded as DELIVERED' },
      );
    } finally {
      await after.close();
    }
    // Exact answers per delivery: the pending ones were refused once (their first attempt, before the
    // kill) and accepted once after the restart; the delivered ones were sent once. A duplicate send
    // after the restart would add a 200.
    const statuses = new Map(
      [...receiver.byDelivery()].map(([id, requests]) => [id, requests.map((request) => request.status)]),
    );
    expect(statuses.size).toBe(COUNT);
    for (const id of pendingBefore)
      expect({ id, statuses: statuses.get(id) }).toEqual({ id, statuses: [500, 200] });
    for (const id of deliveredBefore)
      expect({ id, statuses: statuses.get(id) }).toEqual({ id, statuses: [200] });
  });
});
