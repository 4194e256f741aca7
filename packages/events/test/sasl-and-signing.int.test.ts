import { generateKeyPairSync } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { readRawMessages, startPrivateKafka, waitFor, type PrivateServer } from '@eudr/testkit';
import pino from 'pino';
import {
  KAFKA_SASL_MECHANISMS,
  STATE_HEARTBEAT_KEY,
  STATE_SIGNATURE_HEADER,
  TOPICS,
  TOPIC_SPECS,
  connectKafka,
  createKafka,
  createStateReader,
  createStateSigner,
  createStateVerifier,
  ensureTopics,
  parsePublicKeys,
  publicKeyEntry,
  type ConsumedHeartbeat,
  type EventProducer,
  type KafkaSasl,
  type StateReader,
  type TokenState,
} from '../src';

// A private broker whose only listener wants SASL: the client's PLAIN and SCRAM paths against a real
// broker, and signed state messages and heartbeats end to end.
jest.setTimeout(240_000);

const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
const { privateKey } = generateKeyPairSync('ed25519');
const signer = createStateSigner({ keyId: 'test-1', privateKey });
const verifier = createStateVerifier(parsePublicKeys(publicKeyEntry('test-1', privateKey)));

let broker: PrivateServer;
let sasl: (mechanism: KafkaSasl['mechanism']) => KafkaSasl;
const producers: EventProducer[] = [];
const readers: StateReader[] = [];

function tokenState(tokenId: string): TokenState {
  return {
    tokenId,
    tokenHash: 'd'.repeat(64),
    orgId: 'org_1',
    integrationId: 'int_1',
    scopes: ['integration:suppliers:read'],
    expiresAt: null,
    revokedAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  };
}

beforeAll(async () => {
  broker = await startPrivateKafka({ sasl: true });
  const credentials = broker.sasl;
  if (credentials === undefined) throw new Error('the broker was started without a SASL user');
  sasl = (mechanism) => ({ mechanism, ...credentials });
}, 240_000);

afterAll(async () => {
  for (const reader of readers) await reader.disconnect().catch(() => undefined);
  for (const producer of producers) await producer.disconnect().catch(() => undefined);
  await broker?.destroy();
}, 120_000);

it('refuses a client without credentials or with a wrong password', async () => {
  const prefix = `nosasl-${randomUUID().slice(0, 8)}.`;
  const anonymous = createKafka({
    brokers: broker.brokers,
    clientId: 'anonymous',
    topicPrefix: prefix,
    logger,
    retry: { retries: 0 },
    requestTimeoutMs: 3_000,
  });
  await expect(ensureTopics(anonymous, [TOPIC_SPECS[TOPICS.authTokens]])).rejects.toThrow();
  const wrong = createKafka({
    brokers: broker.brokers,
    clientId: 'wrong-password',
    topicPrefix: prefix,
    logger,
    retry: { retries: 0 },
    sasl: { ...sasl('scram-sha-256'), password: 'not-the-password' },
  });
  await expect(ensureTopics(wrong, [TOPIC_SPECS[TOPICS.authTokens]])).rejects.toThrow(
    /SASL|[Aa]uthentication/,
  );
});

it.each(KAFKA_SASL_MECHANISMS)(
  'with SASL %s: signed states and heartbeats reach a reader, which can check every one',
  async (mechanism) => {
    const topicPrefix = `${mechanism}-${randomUUID().slice(0, 8)}.`;
    const options = { brokers: broker.brokers, topicPrefix, logger, sasl: sasl(mechanism) };
    const { kafka, producer } = await connectKafka({
      ...options,
      clientId: `writer-${mechanism}`,
      topics: [TOPICS.authTokens, TOPICS.authIntegrations],
    });
    producers.push(producer);
    const { producer: signed } = await connectKafka({
      ...options,
      clientId: `signer-${mechanism}`,
      topics: [TOPICS.authTokens],
      signer,
    });
    producers.push(signed);

    await signed.publish(TOPICS.authTokens, [{ key: 'tok_signed', value: tokenState('tok_signed') }]);
    await producer.publish(TOPICS.authTokens, [{ key: 'tok_unsigned', value: tokenState('tok_unsigned') }]);
    const sentAt = new Date().toISOString();
    await signed.publishHeartbeat([TOPICS.authTokens, TOPICS.authIntegrations], {
      type: 'heartbeat',
      upTo: sentAt,
      sentAt,
      source: 'test',
    });

    const states = new Map<string, { raw: string | null; signature: string | undefined }>();
    const heartbeats: ConsumedHeartbeat[] = [];
    const reader = createStateReader(kafka, {
      name: `reader-${mechanism}`,
      topics: [TOPICS.authTokens, TOPICS.authIntegrations],
      handler: async (message) => {
        if (message.key) {
          states.set(message.key, {
            raw: message.rawValue,
            signature: message.headers[STATE_SIGNATURE_HEADER],
          });
        }
      },
      onHeartbeats: (batch) => heartbeats.push(...batch),
    });
    readers.push(reader);
    await reader.start();
    await reader.whenCaughtUp();
    // One heartbeat on every partition of both topics, none of them handed to the handler.
    expect(reader.partitions()).toHaveLength(
      TOPIC_SPECS[TOPICS.authTokens].numPartitions + TOPIC_SPECS[TOPICS.authIntegrations].numPartitions,
    );
    await waitFor(() => heartbeats.length === reader.partitions().length, { message: 'every heartbeat' });
    expect(states.has(STATE_HEARTBEAT_KEY)).toBe(false);
    expect(new Set(heartbeats.map((h) => `${h.topic}/${h.partition}`)).size).toBe(heartbeats.length);
    for (const beat of heartbeats) {
      expect(beat.value.sentAt).toBe(sentAt);
      const physical = kafka.topicName(beat.topic);
      expect(
        verifier.check(physical, STATE_HEARTBEAT_KEY, beat.rawValue, beat.headers[STATE_SIGNATURE_HEADER]),
      ).toBeNull();
    }
    const physicalTokens = kafka.topicName(TOPICS.authTokens);
    const good = states.get('tok_signed');
    expect(verifier.check(physicalTokens, 'tok_signed', good?.raw ?? null, good?.signature)).toBeNull();
    const bad = states.get('tok_unsigned');
    expect(verifier.check(physicalTokens, 'tok_unsigned', bad?.raw ?? null, bad?.signature)).toBe('unsigned');

    // What is on the wire, read by an independent client (kcat, logging in with PLAIN).
    const raw = await readRawMessages(broker.brokers, [physicalTokens], {
      sasl: { ...sasl('plain'), mechanism: 'PLAIN' },
    });
    expect(raw.filter((m) => m.key === STATE_HEARTBEAT_KEY)).toHaveLength(
      TOPIC_SPECS[TOPICS.authTokens].numPartitions,
    );
  },
);
