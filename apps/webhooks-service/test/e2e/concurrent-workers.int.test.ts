import type { AppProcess } from '@eudr/testkit';
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

// Two webhooks-service processes on one database, tuned so that their workers contend for the same
// attempts all the time: each polls every 20 ms and runs at most two attempts per subscription, so most
// deliveries wait in one replica's local queue while the other replica's poll finds them due. Every
// attempt must still be POSTed once (counted by webhook-id at the receiver); and when one replica is
// killed holding leases, the other makes those attempts once the leases expire.

jest.setTimeout(120_000);

const EVENTS = 40;
let stack: WebhooksStack;
let second: AppProcess;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startWebhooksStack('wh_workers', {
    WEBHOOK_POLL_INTERVAL_MS: '20',
    WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY: '2',
    WEBHOOK_RETRY_DELAYS_MS: '100,100,100',
    WEBHOOK_TIMEOUT_MS: '2500',
    WEBHOOK_LEASE_MS: '3000',
  });
  second = await stack.startReplica('webhooks-service');
}, 120_000);

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await stack?.close();
}, 60_000);

/** Attempts a replica has sent, from its `/metrics`. */
async function attemptsSent(replica: AppProcess): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const match = /^webhook_delivery_phase_seconds_count\{[^}]*phase="send"[^}]*\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}

/** The number in the externalId of the supplier a delivery is about (`SUP-W-7` → 7). */
const numberOf = (body: string) =>
  Number(
    String((JSON.parse(body) as { data?: { externalId?: string } }).data?.externalId)
      .split('-')
      .pop(),
  );

describe('two replicas delivering from one database', () => {
  it('POSTs every attempt of every (event, subscription) exactly once', async () => {
    // Every fourth event fails its first attempt, so retries are contended too.
    const receiver = await startReceiver({
      delayMs: 5,
      responder: (request, index) => (numberOf(request.body) % 4 === 1 && index === 0 ? 500 : 200),
    });
    receivers.push(receiver);
    const token = await issueWebhookToken(stack, 'org_wh_workers');
    for (const path of ['a', 'b']) {
      const created = await createSubscription(stack.edge.url, token.token, `${receiver.url}/${path}`, [
        'supplier.created',
      ]);
      expect(created.status).toBe(201);
    }
    const ids = Array.from({ length: EVENTS }, (_, i) => `SUP-W-${i}`);
    expect((await pushSuppliers(stack.edge.url, token.token, ids)).status).toBe(200);

    const { client, db } = await stack.webhooksDb();
    try {
      const deliveries = db.collection<{ _id: string; status: string; attempts: unknown[] }>('deliveries');
      const settled = await waitFor(
        async () => {
          const all = await deliveries.find({}).toArray();
          return all.length === 2 * EVENTS && all.every((doc) => doc.status === 'DELIVERED') ? all : null;
        },
        { timeoutMs: 60_000, message: 'every delivery DELIVERED' },
      );
      const byDelivery = receiver.byDelivery();
      expect(byDelivery.size).toBe(2 * EVENTS);
      for (const [id, requests] of byDelivery) {
        const failsFirst = numberOf(requests[0]?.body ?? '{}') % 4 === 1;
        expect({ id, statuses: requests.map((request) => request.status) }).toEqual({
          id,
          statuses: failsFirst ? [500, 200] : [200],
        });
      }
      for (const doc of settled) expect(doc.attempts).toHaveLength(byDelivery.get(doc._id)?.length ?? 0);
    } finally {
      await client.close();
    }
    // Both replicas took part.
    expect(await attemptsSent(stack.webhooks)).toBeGreaterThan(0);
    expect(await attemptsSent(second)).toBeGreaterThan(0);
  });

  it('makes the attempts a killed replica held once its leases expire, losing none', async () => {
    // Answers after 1.5 s: attempts stay in flight, under their leases, long enough to kill a replica.
    const receiver = await startReceiver({ delayMs: 1_500 });
    receivers.push(receiver);
    const token = await issueWebhookToken(stack, 'org_wh_workers_kill');
    const created = await createSubscription(stack.edge.url, token.token, receiver.url, ['supplier.created']);
    expect(created.status).toBe(201);
    const subscriptionId = String(created.body?.['id']);
    const ids = Array.from({ length: 10 }, (_, i) => `SUP-WK-${i}`);
    expect((await pushSuppliers(stack.edge.url, token.token, ids)).status).toBe(200);

    const { client, db } = await stack.webhooksDb();
    try {
      const deliveries = db.collection<{
        _id: string;
        subscriptionId: string;
        status: string;
        leaseOwner: string | null;
      }>('deliveries');
      // Leases name the replica's process (`webhooks-service@host:pid/…`). Every delivery is stored
      // before the kill: an event still unread on a partition of the killed replica would wait for Kafka
      // to drop it from the consumer group (its 30 s session timeout), not for a lease to expire.
      const heldBySecond = await waitFor(
        async () => {
          if ((await deliveries.countDocuments({ subscriptionId })) < ids.length) return null;
          const held = await deliveries.find({ leaseOwner: { $regex: `:${second.pid}/` } }).toArray();
          return held.length > 0 ? held.map((doc) => doc._id) : null;
        },
        { timeoutMs: 20_000, intervalMs: 5, message: 'attempts in flight on the second replica' },
      );
      await second.kill();
      const killedAt = Date.now();

      await waitFor(
        async () => {
          const docs = await deliveries.find({ subscriptionId }).toArray();
          if (docs.filter((doc) => doc.status === 'DELIVERED').length === ids.length) return true;
          // Said when the wait times out: where each delivery stands.
          const where = docs.map((doc) => `${doc.status}${doc.leaseOwner === null ? '' : ' (leased)'}`);
          throw new Error(`${where.join(', ')}; ${receiver.byDelivery().size} received`);
        },
        { timeoutMs: 60_000, message: 'every delivery DELIVERED by the surviving replica' },
      );
      expect(receiver.byDelivery().size).toBe(ids.length);
      // The killed replica sends nothing after the kill, so a request after it is the survivor's.
      for (const id of heldBySecond) {
        const requests = receiver.byDelivery().get(id) ?? [];
        expect({ id, retaken: requests.some((request) => request.at >= killedAt) }).toEqual({
          id,
          retaken: true,
        });
      }
    } finally {
      await client.close();
    }
  }, 120_000);
});
