import { createTestScope, waitFor, type TestScope } from '@eudr/testkit';
import { Kafka, Partitioners, logLevel, type Admin, type Producer } from 'kafkajs';
import pino from 'pino';
import {
  ALL_TOPICS,
  EventValidationError,
  TOPICS,
  TOPIC_SPECS,
  createConsumer,
  createDomainEvent,
  createKafka,
  deleteTopicsWithPrefixes,
  createProducer,
  createStateReader,
  describeTopicConfig,
  domainEventKey,
  ensureTopics,
  fetchHighWatermarks,
  type AnyConsumedMessage,
  type EventConsumer,
  type EventProducer,
  type EventsKafka,
  type LogicalTopic,
  type StateReader,
  type TokenState,
} from '../src';

const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

let scope: TestScope;
let kafka: EventsKafka;
let producer: EventProducer;
// A plain kafkajs client, to write what the validating producer refuses to and to clean up topics.
let raw: Kafka;
let rawProducer: Producer;
let rawAdmin: Admin;
const closers: (() => Promise<void>)[] = [];

function tokenState(tokenId: string, version = 1): TokenState {
  return {
    tokenId,
    tokenHash: Buffer.from(tokenId).toString('hex').padEnd(64, '0').slice(0, 64),
    orgId: 'org_1',
    integrationId: 'int_1',
    name: 'ERP',
    scopes: ['integration:suppliers:read'],
    expiresAt: null,
    revokedAt: null,
    createdAt: new Date().toISOString(),
    version,
  };
}

function supplierEvent(externalId: string, correlationId?: string) {
  return createDomainEvent({
    type: 'supplier.created',
    orgId: 'org_1',
    integrationId: 'int_1',
    source: 'events-test',
    ...(correlationId ? { correlationId } : {}),
    data: { externalId, internalId: `sup_${externalId}`, name: `Supplier ${externalId}` },
  });
}

function startConsumer<T extends LogicalTopic>(
  topics: T[],
  handler: (message: AnyConsumedMessage<T>) => Promise<void>,
): Promise<EventConsumer> {
  const consumer = createConsumer(kafka, {
    groupId: `g-${Math.random().toString(16).slice(2)}`,
    topics,
    fromBeginning: true,
    handler,
  });
  closers.push(() => consumer.disconnect());
  return consumer.start().then(() => consumer);
}

async function totalMessages(topic: LogicalTopic): Promise<bigint> {
  const marks = await fetchHighWatermarks(kafka, [topic]);
  return marks.reduce((sum, mark) => sum + BigInt(mark.high) - BigInt(mark.low), 0n);
}

beforeAll(async () => {
  scope = await createTestScope('events');
  kafka = createKafka({
    brokers: scope.kafkaBrokers,
    clientId: 'events-int-test',
    topicPrefix: scope.topicPrefix,
    logger,
  });
  await ensureTopics(kafka);
  producer = createProducer(kafka);
  await producer.connect();

  raw = new Kafka({ brokers: scope.kafkaBrokers, clientId: 'events-int-raw', logLevel: logLevel.NOTHING });
  rawProducer = raw.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await rawProducer.connect();
  rawAdmin = raw.admin();
  await rawAdmin.connect();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await producer?.disconnect();
  await rawProducer?.disconnect();
  if (rawAdmin) {
    const ours = (await rawAdmin.listTopics()).filter((t) => t.startsWith(scope.topicPrefix));
    if (ours.length > 0) await rawAdmin.deleteTopics({ topics: ours });
    await rawAdmin.disconnect();
  }
});

describe('ensureTopics', () => {
  it('creates the auth state topics compacted and the domain topics with a retention', async () => {
    const tokens = await describeTopicConfig(kafka, TOPICS.authTokens);
    expect(tokens['cleanup.policy']).toBe('compact');
    expect(tokens['segment.ms']).toBe(TOPIC_SPECS[TOPICS.authTokens].config['segment.ms']);
    expect(tokens['min.cleanable.dirty.ratio']).toBe('0.1');
    expect((await describeTopicConfig(kafka, TOPICS.authIntegrations))['cleanup.policy']).toBe('compact');
    const suppliers = await describeTopicConfig(kafka, TOPICS.suppliers);
    expect(suppliers['cleanup.policy']).toBe('delete');
    expect(suppliers['retention.ms']).toBe(TOPIC_SPECS[TOPICS.suppliers].config['retention.ms']);
  });

  it('creates every topic under the prefix and nothing on a second call', async () => {
    const topics = await rawAdmin.listTopics();
    for (const topic of ALL_TOPICS) expect(topics).toContain(`${scope.topicPrefix}${topic}`);
    await expect(ensureTopics(kafka)).resolves.toEqual({ created: [], repaired: [] });
  });

  it('repairs a state topic that exists with the delete policy', async () => {
    const other = createKafka({
      brokers: scope.kafkaBrokers,
      clientId: 'events-int-test',
      topicPrefix: `${scope.topicPrefix}repair.`,
      logger,
    });
    await rawAdmin.createTopics({
      topics: [
        {
          topic: other.topicName(TOPICS.authTokens),
          numPartitions: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'delete' }],
        },
      ],
    });
    expect((await describeTopicConfig(other, TOPICS.authTokens))['cleanup.policy']).toBe('delete');

    const result = await ensureTopics(other, [TOPIC_SPECS[TOPICS.authTokens]]);

    expect(result).toEqual({ created: [], repaired: [TOPICS.authTokens] });
    expect((await describeTopicConfig(other, TOPICS.authTokens))['cleanup.policy']).toBe('compact');
  });

  it('deletes the topics under given prefixes and no other', async () => {
    const under = (prefix: string) =>
      createKafka({ brokers: scope.kafkaBrokers, clientId: 'events-int-test', topicPrefix: prefix, logger });
    const specs = [TOPIC_SPECS[TOPICS.suppliers], TOPIC_SPECS[TOPICS.authTokens]];
    const [gone, alsoGone, kept] = ['gone.', 'gone2.', 'kept.'].map((p) => `${scope.topicPrefix}${p}`);
    for (const prefix of [gone!, alsoGone!, kept!]) await ensureTopics(under(prefix), specs);

    const deleted = await deleteTopicsWithPrefixes(kafka, [gone!, alsoGone!]);

    expect(deleted.sort()).toEqual(
      [gone!, alsoGone!].flatMap((prefix) => specs.map((spec) => `${prefix}${spec.topic}`)).sort(),
    );
    await waitFor(async () => {
      const topics = await rawAdmin.listTopics();
      return deleted.every((topic) => !topics.includes(topic));
    });
    const topics = await rawAdmin.listTopics();
    for (const spec of specs) expect(topics).toContain(`${kept!}${spec.topic}`);
    expect(topics).toContain(kafka.topicName(TOPICS.suppliers));
    await expect(deleteTopicsWithPrefixes(kafka, ['t.', ''])).rejects.toThrow('empty');
  });
});

describe('publish and consume', () => {
  it('delivers a valid event end to end with the correlation id in the headers', async () => {
    const received: AnyConsumedMessage<'suppliers'>[] = [];
    await startConsumer([TOPICS.suppliers], async (message) => {
      received.push(message);
    });
    const event = supplierEvent('SUP-E2E', 'req-e2e-1');

    await producer.publish(TOPICS.suppliers, [{ key: domainEventKey(event), value: event }], {
      correlationId: 'req-e2e-1',
    });

    const [message] = await waitFor(() => (received.length > 0 ? received : null), { timeoutMs: 20_000 });
    expect(message).toMatchObject({
      topic: 'suppliers',
      key: 'org_1:SUP-E2E',
      value: event,
      correlationId: 'req-e2e-1',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-e2e-1' },
    });
    expect(producer.isConnected()).toBe(true);
  });

  it('rejects an invalid value, naming the field, and sends nothing', async () => {
    const before = await totalMessages(TOPICS.products);
    const valid = createDomainEvent({
      type: 'product.created',
      orgId: 'org_1',
      source: 'events-test',
      data: { externalId: 'P-1', internalId: 'prd_1' },
    });
    const invalid = { ...valid, data: { externalId: 'P-2' } };

    const publishing = producer.publish(TOPICS.products, [
      { key: 'org_1:P-1', value: valid },
      { key: 'org_1:P-2', value: invalid as typeof valid },
    ]);

    await expect(publishing).rejects.toThrow(EventValidationError);
    await expect(publishing).rejects.toThrow(/#1 .*data\.internalId/);
    expect(await totalMessages(TOPICS.products)).toBe(before);
  });

  it('rejects a token state carrying a raw token or published under another key', async () => {
    const leaking = { ...tokenState('tok_leak'), name: `eudr_live_${'a'.repeat(48)}` };
    await expect(producer.publish(TOPICS.authTokens, [{ key: 'tok_leak', value: leaking }])).rejects.toThrow(
      /must not contain a raw API token/,
    );
    await expect(
      producer.publish(TOPICS.authTokens, [{ key: 'tok_other', value: tokenState('tok_key') }]),
    ).rejects.toThrow(EventValidationError);
  });

  it('skips malformed messages and still consumes the next valid one on the same partition', async () => {
    const received: AnyConsumedMessage<'dds'>[] = [];
    const consumer = await startConsumer([TOPICS.dds], async (message) => {
      received.push(message);
    });
    const key = 'org_1:B-SKIP';
    await rawProducer.send({
      topic: kafka.topicName(TOPICS.dds),
      messages: [
        { key, value: 'not json {' },
        { key, value: JSON.stringify({ type: 'dds.submitted', data: { ddsNumber: 'x' } }) },
      ],
    });
    const event = createDomainEvent({
      type: 'dds.submitted',
      orgId: 'org_1',
      source: 'events-test',
      data: {
        ddsNumber: 'DDS-2025-00001',
        batchExternalId: 'B-SKIP',
        status: 'SUBMITTED',
        previousStatus: 'DRAFT',
      },
    });
    await producer.publish(TOPICS.dds, [{ key, value: event }]);

    await waitFor(() => received.length === 1, { timeoutMs: 20_000, message: 'the valid DDS event' });
    expect(received[0]?.value).toEqual(event);
    expect(received[0]?.offset).toBe('2');
    expect(consumer.stats()).toMatchObject({ handled: 1, skipped: 2 });
  });

  it('redelivers a message whose handler failed, in order, until the handler succeeds', async () => {
    const attempts: string[] = [];
    let failuresLeft = 2;
    const consumer = await startConsumer([TOPICS.sync], async (message) => {
      attempts.push(message.value.data.syncLogId);
      if (message.value.data.syncLogId === 'log_1' && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('database unavailable');
      }
    });
    const events = ['log_1', 'log_2'].map((syncLogId) =>
      createDomainEvent({
        type: 'sync.completed',
        orgId: 'org_1',
        source: 'events-test',
        data: { entityType: 'SUPPLIER', syncLogId, created: 1, updated: 0, failed: 0, status: 'SUCCESS' },
      }),
    );
    // One key, so both land on one partition and their order is defined.
    await producer.publish(
      TOPICS.sync,
      events.map((value) => ({ key: 'org_1:sync', value })),
    );

    await waitFor(() => attempts.includes('log_2'), { timeoutMs: 20_000, message: 'the second sync event' });
    expect(attempts).toEqual(['log_1', 'log_1', 'log_1', 'log_2']);
    expect(consumer.stats()).toMatchObject({ handled: 2, handlerErrors: 2 });
    expect(consumer.isRunning()).toBe(true);
  });
});

describe('reading state topics in full', () => {
  let reader: StateReader | undefined;
  const tokens = new Map<string, TokenState | null>();

  afterAll(async () => {
    await reader?.disconnect();
  });

  it('reports the high-water marks of every partition', async () => {
    const before = await totalMessages(TOPICS.authIntegrations);
    await producer.publish(TOPICS.authIntegrations, [
      { key: 'int_hw', value: { integrationId: 'int_hw', orgId: 'org_1', status: 'ACTIVE', version: 1 } },
    ]);
    const marks = await fetchHighWatermarks(kafka, [TOPICS.authIntegrations]);
    expect(marks.map((m) => m.partition).sort()).toEqual([0, 1, 2]);
    expect(marks.every((m) => m.topic === 'auth.integrations')).toBe(true);
    expect(await totalMessages(TOPICS.authIntegrations)).toBe(before + 1n);
  });

  it('reads everything up to the marks seen at start, then reports caught up', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `tok_reader_${i}`);
    await producer.publish(
      TOPICS.authTokens,
      ids.map((id) => ({ key: id, value: tokenState(id) })),
    );
    reader = createStateReader(kafka, {
      name: 'projection-test',
      topics: [TOPICS.authTokens, TOPICS.authIntegrations],
      handler: async (message) => {
        if (message.topic === TOPICS.authTokens && message.key) tokens.set(message.key, message.value);
      },
    });
    expect(reader.isCaughtUp()).toBe(false);

    await reader.start();
    await reader.whenCaughtUp();

    expect(reader.isCaughtUp()).toBe(true);
    expect(reader.lagging()).toEqual([]);
    for (const id of ids) expect(tokens.get(id)?.tokenId).toBe(id);
    expect(reader.msSinceLastFetch()).toBeLessThan(10_000);
    expect(reader.groupId.startsWith(`${scope.topicPrefix}projection-test.`)).toBe(true);
  });

  it('passes a tombstone on a state topic to the handler as a null value', async () => {
    expect(tokens.get('tok_reader_0')).not.toBeNull();
    await rawProducer.send({
      topic: kafka.topicName(TOPICS.authTokens),
      messages: [{ key: 'tok_reader_0', value: null }],
    });
    await waitFor(() => tokens.get('tok_reader_0') === null, { timeoutMs: 20_000, message: 'the tombstone' });
  });
});
