import { Writable } from 'node:stream';
import { startPrivateKafka, waitFor, type PrivateServer } from '@eudr/testkit';
import pino from 'pino';
import {
  TOPICS,
  TOPIC_SPECS,
  createKafka,
  createProducer,
  createStateReader,
  ensureTopics,
  fetchHighWatermarks,
  type EventProducer,
  type EventsKafka,
  type StateReader,
  type TokenState,
} from '../src';

// Starting, stopping and restarting a JVM broker takes a while.
jest.setTimeout(240_000);

interface LogLine {
  level: number;
  component?: string;
  msg?: string;
}

const lines: LogLine[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as LogLine;
      lines.push(line);
      if (process.env['LOG_LEVEL']) process.stderr.write(chunk);
      done();
    },
  }),
);

let broker: PrivateServer | undefined;
let kafka: EventsKafka;
let producer: EventProducer | undefined;
let impatientProducer: EventProducer | undefined;
let reader: StateReader | undefined;

function tokenState(tokenId: string): TokenState {
  return {
    tokenId,
    tokenHash: 'c'.repeat(64),
    orgId: 'org_1',
    integrationId: 'int_1',
    scopes: ['integration:batches:read'],
    expiresAt: null,
    revokedAt: '2025-06-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
    version: 2,
  };
}

async function totalTokenStates(): Promise<bigint> {
  const marks = await fetchHighWatermarks(kafka, [TOPICS.authTokens]);
  return marks.reduce((sum, mark) => sum + BigInt(mark.high) - BigInt(mark.low), 0n);
}

beforeAll(async () => {
  broker = await startPrivateKafka();
  kafka = createKafka({ brokers: broker.brokers, clientId: 'events-restart-test', logger });
  await ensureTopics(kafka, [TOPIC_SPECS[TOPICS.authTokens]]);
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await reader?.disconnect();
  await producer?.disconnect();
  await impatientProducer?.disconnect();
  await broker?.destroy();
});

it('retries a publish while the broker is down and completes it once the broker is back', async () => {
  if (!producer || !broker) throw new Error('setup failed');
  await producer.publish(TOPICS.authTokens, [{ key: 'tok_before', value: tokenState('tok_before') }]);

  await broker.stop();
  const errorsBefore = lines.filter((l) => l.component === 'kafkajs' && l.level >= 40).length;
  let outcome: 'pending' | 'published' | Error = 'pending';
  const publishing = producer
    .publish(TOPICS.authTokens, [{ key: 'tok_during', value: tokenState('tok_during') }])
    .then(() => {
      outcome = 'published';
    })
    .catch((err: Error) => {
      outcome = err;
    });
  // The client has noticed the broker is gone and the publish is still waiting, not failed.
  await waitFor(() => lines.filter((l) => l.component === 'kafkajs' && l.level >= 40).length > errorsBefore, {
    timeoutMs: 30_000,
    message: 'the client to report the missing broker',
  });
  expect(outcome).toBe('pending');

  await broker.start();
  await publishing;
  expect(outcome).toBe('published');

  const seen = new Set<string>();
  reader = createStateReader(kafka, {
    name: 'restart-test',
    topics: [TOPICS.authTokens],
    handler: async (message) => {
      if (message.key) seen.add(message.key);
    },
  });
  await reader.start();
  await reader.whenCaughtUp();
  expect([...seen].sort()).toEqual(['tok_before', 'tok_during']);
  await reader.disconnect();
  reader = undefined;
});

it('publishes again with the same producer after a publish gave up during an outage', async () => {
  if (!broker) throw new Error('setup failed');
  // Small retry budget, so the publish during the outage gives up within seconds.
  const impatient = createKafka({
    brokers: broker.brokers,
    clientId: 'events-restart-impatient',
    logger,
    retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 200, retries: 2 },
  });
  const before = await totalTokenStates();
  impatientProducer = createProducer(impatient);
  await impatientProducer.connect();
  await impatientProducer.publish(TOPICS.authTokens, [{ key: 'tok_a', value: tokenState('tok_a') }]);

  await broker.stop();
  await expect(
    impatientProducer.publish(TOPICS.authTokens, [{ key: 'tok_b', value: tokenState('tok_b') }]),
  ).rejects.toThrow();

  await broker.start();
  await impatientProducer.publish(TOPICS.authTokens, [{ key: 'tok_b', value: tokenState('tok_b') }]);
  // tok_a and tok_b, each exactly once.
  expect(await totalTokenStates()).toBe(before + 2n);
});

it('keeps a state reader consuming across a broker restart and reports the gap in fetches', async () => {
  if (!broker || !producer) throw new Error('setup failed');
  const seen = new Set<string>();
  reader = createStateReader(kafka, {
    name: 'restart-reader',
    topics: [TOPICS.authTokens],
    handler: async (message) => {
      if (message.key) seen.add(message.key);
    },
  });
  await reader.start();
  await reader.whenCaughtUp();
  const current = reader;
  await waitFor(() => current.msSinceLastFetch() < 1_500, { message: 'a recent fetch' });

  await broker.stop();
  // No broker answers, so the time since the last fetch keeps growing (what staleness checks read).
  await waitFor(() => current.msSinceLastFetch() > 3_000, { timeoutMs: 30_000, message: 'fetches to stop' });

  await broker.start();
  await producer.publish(TOPICS.authTokens, [{ key: 'tok_after', value: tokenState('tok_after') }]);
  await waitFor(() => seen.has('tok_after'), {
    timeoutMs: 60_000,
    message: 'the state published after the restart',
  });
  expect(current.msSinceLastFetch()).toBeLessThan(5_000);
});
