import { mongo } from 'mongoose';
import { call, readRawMessages, startPrivateKafka, startStack, waitFor } from '@eudr/testkit';
import type { IssuedToken, PrivateServer, Stack } from '@eudr/testkit';
import { ALL_SCOPES, PATHS } from './e2e/batches-stack';

// Starts, stops and restarts a broker of its own: slow, and kept apart so a failure reads clearly.
jest.setTimeout(240_000);

interface StoredOutbox {
  _id: mongo.ObjectId;
  writing: boolean;
  /** Each event is stored as its envelope's JSON text. */
  groups: { topic: string; events: string[] }[];
}

let broker: PrivateServer | undefined;
let stack: Stack | undefined;
let mongoClient: mongo.MongoClient | undefined;
let token: IssuedToken;

beforeAll(async () => {
  broker = await startPrivateKafka();
  stack = await startStack('batches_outbox', {
    kafkaBrokers: broker.brokers,
    apps: {
      'batches-service': {
        // The token projection must stay trusted through the outage: this suite is about the events.
        AUTH_MAX_STALENESS_MS: '3600000',
        PUBLISH_TIMEOUT_MS: '300',
        RELAY_INTERVAL_MS: '500',
        RELAY_MIN_AGE_MS: '1000',
      },
    },
  });
  token = await stack.issueToken(await stack.admin('org_outbox'), ALL_SCOPES);
  mongoClient = await mongo.MongoClient.connect(stack.envOf('batches-service')['MONGO_URL'] ?? '');
});

afterAll(async () => {
  await mongoClient?.close();
  await stack?.close();
  await broker?.destroy();
});

describe('the outbox with the broker down', () => {
  it('answers upserts at once, keeps their events in the outbox and publishes them once the broker is back', async () => {
    const s = stack as Stack;
    const kafka = broker as PrivateServer;
    const outbox = (mongoClient as mongo.MongoClient).db().collection<StoredOutbox>('outbox');
    const post = (path: string, body: unknown, requestId: string) =>
      call(s.edge.url, path, {
        method: 'POST',
        token: token.token,
        body,
        headers: { 'x-request-id': requestId },
      });

    const product = await post(
      PATHS.products,
      { products: [{ externalId: 'P-OUT', name: 'Cocoa', hsCode: '1801' }] },
      'req-outbox-product',
    );
    expect(product.status).toBe(200);
    // The product's own events leave the outbox while the broker is up.
    await waitFor(async () => (await outbox.countDocuments({})) === 0, {
      timeoutMs: 30_000,
      message: 'the outbox to empty before the outage',
    });

    await kafka.stop();
    const started = Date.now();
    const batches = Array.from({ length: 20 }, (_, i) => ({
      externalId: `B-OUT-${i}`,
      productExternalId: 'P-OUT',
      batchNumber: `LOT-${i}`,
    }));
    const upsert = await post(PATHS.batches, { batches, autoCreateDDS: true }, 'req-outbox-batches');
    expect(upsert.status).toBe(200);
    expect(upsert.body).toMatchObject({ success: true, created: 20, updated: 0 });
    expect((upsert.body as { ddsCreated: unknown[] }).ddsCreated).toHaveLength(20);
    // Bounded by PUBLISH_TIMEOUT_MS plus the database writes, not by the producer's retries.
    expect(Date.now() - started).toBeLessThan(15_000);

    // Answered, so durable: one outbox document holds every event the upsert owes, in order.
    const stored = await outbox.find({}).toArray();
    expect(stored).toHaveLength(1);
    const groups = (stored[0]?.groups ?? []).map((group) => ({
      topic: group.topic,
      events: group.events.map((text) => JSON.parse(text) as { id: string; correlationId?: string }),
    }));
    expect(groups.map((group) => [group.topic, group.events.length])).toEqual([
      ['batches', 20],
      ['dds', 20],
      ['sync', 1],
    ]);
    expect(
      groups.every((group) => group.events.every((event) => event.correlationId === 'req-outbox-batches')),
    ).toBe(true);
    const owed = new Map(
      groups.map((group) => [group.topic, new Set(group.events.map((event) => event.id))]),
    );
    // Its events are stored (no longer `writing`), and every batch and DDS it wrote carries the
    // document's id: what a relay would read back had the process died before storing the events.
    expect(stored[0]?.writing).toBe(false);
    const db = (mongoClient as mongo.MongoClient).db();
    const writeId = stored[0]?._id;
    expect(await db.collection('batches').countDocuments({ writeId })).toBe(20);
    expect(await db.collection('dds').countDocuments({ writeId })).toBe(20);

    await kafka.start();
    const prefix = s.scope.topicPrefix;
    await waitFor(
      async () => {
        const messages = await readRawMessages(kafka.brokers, [
          `${prefix}batches`,
          `${prefix}dds`,
          `${prefix}sync`,
        ]);
        const seen = new Map<string, Set<string>>();
        for (const message of messages) {
          const topic = message.topic.slice(prefix.length);
          const id = (JSON.parse(message.value ?? '{}') as { id?: string }).id;
          if (id === undefined) continue;
          seen.set(topic, (seen.get(topic) ?? new Set()).add(id));
        }
        return [...owed].every(([topic, ids]) => [...ids].every((id) => seen.get(topic)?.has(id)));
      },
      { timeoutMs: 120_000, intervalMs: 500, message: 'every stored event to be on its topic' },
    );
    await waitFor(async () => (await outbox.countDocuments({})) === 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: 'the outbox to empty once its events are published',
    });
  });
});
