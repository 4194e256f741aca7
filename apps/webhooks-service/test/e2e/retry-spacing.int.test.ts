import { startReceiver } from '../helpers/receiver';
import type { Receiver } from '../helpers/receiver';
import {
  createSubscription,
  issueWebhookToken,
  listDeliveries,
  pushSuppliers,
  startWebhooksStack,
  waitFor,
} from '../helpers/webhooks-stack';
import type { WebhooksStack } from '../helpers/webhooks-stack';

// The real retry schedule (1 s, 5 s, 30 s; no WEBHOOK_RETRY_DELAYS_MS override): a receiver that answers
// 500 twice and then 200 gets three attempts, spaced at least 1 s and then 5 s apart.

jest.setTimeout(90_000);

let stack: WebhooksStack;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startWebhooksStack('wh_spacing');
  receiver = await startReceiver({ responder: (_request, index) => (index < 2 ? 500 : 200) });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
}, 60_000);

describe('a receiver that answers 500 twice, then 200', () => {
  it('gets three attempts of the same delivery after the documented pauses, all in the history', async () => {
    const token = await issueWebhookToken(stack, 'org_wh_spacing');
    const created = await createSubscription(stack.edge.url, token.token, receiver.url, ['supplier.created']);
    expect(created.status).toBe(201);
    expect((await pushSuppliers(stack.edge.url, token.token, ['SUP-RETRY-1'])).status).toBe(200);

    await waitFor(() => receiver.requests.length >= 3, { timeoutMs: 30_000, message: 'three attempts' });
    const [first, second, third] = receiver.requests;
    expect(receiver.requests.map((request) => request.status)).toEqual([500, 500, 200]);
    const ids = new Set(receiver.requests.map((request) => request.headers['x-webhook-delivery']));
    expect(ids.size).toBe(1);
    // Lower bounds only: the pause is counted from the end of the failed attempt.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(5_000);
    // And not the 30 s pause, which comes only after a third failure.
    expect((third?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(20_000);

    const history = await waitFor(async () => {
      const [delivery] = await listDeliveries(stack.edge.url, token.token, String(created.body?.['id']));
      return delivery?.status === 'DELIVERED' ? delivery : null;
    });
    expect(history.attempts.map((attempt) => [attempt.success, attempt.statusCode])).toEqual([
      [false, 500],
      [false, 500],
      [true, 200],
    ]);
    const times = history.attempts.map((attempt) => Date.parse(attempt.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // A 2xx resets the failure count.
    const subscription = await waitFor(async () => {
      const { client, db } = await stack.webhooksDb();
      try {
        const doc = await db.collection('subscriptions').findOne({});
        return doc?.['consecutiveFailures'] === 0 ? doc : null;
      } finally {
        await client.close();
      }
    });
    expect(subscription['active']).toBe(true);
  });
});
