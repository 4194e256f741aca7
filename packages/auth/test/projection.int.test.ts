import { performance } from 'node:perf_hooks';
import { TOPICS, TOPIC_SPECS, createKafka, createProducer, ensureTopics } from '@eudr/events';
import type { EventProducer, EventsKafka, IntegrationState, TokenState } from '@eudr/events';
import { createLogger } from '@eudr/service-kit';
import { createTestScope, produceRaw, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createTokenProjection } from '../src';
import type { TokenProjection } from '../src';
import { integrationState, issueToken } from './helpers/auth-fixtures';

const logger = createLogger({ service: 'auth-projection-test', level: process.env['LOG_LEVEL'] ?? 'silent' });

let scope: TestScope;
let kafka: EventsKafka;
let producer: EventProducer;
const projections: TokenProjection[] = [];

function newProjection(): TokenProjection {
  const projection = createTokenProjection({ kafka, logger, maxWaitTimeMs: 500 });
  projections.push(projection);
  return projection;
}

async function startCaughtUp(): Promise<TokenProjection> {
  const projection = newProjection();
  await projection.start();
  await projection.whenCaughtUp();
  return projection;
}

function publishTokens(states: TokenState[]): Promise<void> {
  return producer.publish(
    TOPICS.authTokens,
    states.map((value) => ({ key: value.tokenId, value })),
  );
}

function publishIntegrations(states: IntegrationState[]): Promise<void> {
  return producer.publish(
    TOPICS.authIntegrations,
    states.map((value) => ({ key: value.integrationId, value })),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const revokedAt = () => new Date().toISOString();

beforeAll(async () => {
  scope = await createTestScope('auth-projection');
  kafka = createKafka({
    brokers: scope.kafkaBrokers,
    clientId: 'auth-projection-test',
    topicPrefix: scope.topicPrefix,
    logger,
  });
  await ensureTopics(kafka, [TOPIC_SPECS[TOPICS.authTokens], TOPIC_SPECS[TOPICS.authIntegrations]]);
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(projections.map((projection) => projection.stop()));
  await producer?.disconnect();
  await scope?.cleanup();
});

describe('the token projection over Kafka', () => {
  const tokens = Array.from({ length: 300 }, (_, i) =>
    issueToken({ integrationId: `int_${i % 3}`, orgId: `org_${i % 3}` }),
  );
  let first: TokenProjection;
  let second: TokenProjection;

  it('catches up to every state published before it started, keeping the newest version of each', async () => {
    await publishIntegrations(
      [0, 1, 2].map((i) => integrationState({ integrationId: `int_${i}`, orgId: `org_${i}` })),
    );
    await publishTokens(tokens.map((t) => t.state));
    const early = tokens[0]?.state as TokenState;
    // A revocation, then a replayed older version of the same token (as a relay may re-publish).
    await publishTokens([{ ...early, revokedAt: revokedAt(), version: 2 }]);
    await publishTokens([early]);

    first = newProjection();
    expect(first.isCaughtUp()).toBe(false);
    expect(first.msSinceLastFetch()).toBe(Infinity);
    await first.start();
    await first.whenCaughtUp();

    expect(first.isCaughtUp()).toBe(true);
    expect(first.size()).toEqual({ tokens: 300, integrations: 3 });
    expect(first.findByHash(early.tokenHash)).toMatchObject({ version: 2, revokedAt: expect.any(String) });
    const sample = tokens[123]?.state as TokenState;
    expect(first.findByHash(sample.tokenHash)).toEqual(sample);
    expect(first.integrationStatus('int_2')).toEqual({ status: 'ACTIVE', version: 1 });
    expect(first.msSinceLastFetch()).toBeLessThan(5_000);
  });

  it('applies a revocation within milliseconds on two replicas', async () => {
    second = await startCaughtUp();
    expect(second.size()).toEqual(first.size());

    const fromPublish: number[] = [];
    const fromAck: number[] = [];
    for (const { state } of tokens.slice(1, 31)) {
      const start = performance.now();
      await publishTokens([{ ...state, revokedAt: revokedAt(), version: 2 }]);
      const acked = performance.now();
      await waitFor(
        () =>
          first.findByHash(state.tokenHash)?.revokedAt !== null &&
          second.findByHash(state.tokenHash)?.revokedAt !== null,
        { intervalMs: 1, timeoutMs: 5_000, message: 'both replicas to see the revocation' },
      );
      const seen = performance.now();
      fromPublish.push(seen - start);
      fromAck.push(seen - acked);
    }
    fromPublish.sort((a, b) => a - b);
    fromAck.sort((a, b) => a - b);
    const fmt = (values: number[]) =>
      `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${(values.at(-1) ?? NaN).toFixed(1)} ms`;
    process.stdout.write(
      `revocation seen by both replicas over ${fromPublish.length} revocations:\n` +
        `  from publish call: ${fmt(fromPublish)}\n  from broker ack:   ${fmt(fromAck)}\n`,
    );
    expect(percentile(fromPublish, 50)).toBeLessThan(1_000);
  });

  it('applies an integration deactivation and reactivation on both replicas', async () => {
    await publishIntegrations([
      integrationState({ integrationId: 'int_1', orgId: 'org_1', status: 'INACTIVE', version: 2 }),
    ]);
    await waitFor(
      () =>
        first.integrationStatus('int_1')?.status === 'INACTIVE' &&
        second.integrationStatus('int_1')?.status === 'INACTIVE',
      { intervalMs: 1, message: 'both replicas to see the deactivation' },
    );
    await publishIntegrations([
      integrationState({ integrationId: 'int_1', orgId: 'org_1', status: 'ACTIVE', version: 3 }),
    ]);
    await waitFor(
      () =>
        first.integrationStatus('int_1')?.version === 3 && second.integrationStatus('int_1')?.version === 3,
      { intervalMs: 1, message: 'both replicas to see the reactivation' },
    );
    expect(first.integrationStatus('int_1')?.status).toBe('ACTIVE');
  });

  it('skips malformed messages and keeps applying the valid ones after them', async () => {
    const garbage = [
      Buffer.from('{not json'),
      Buffer.from(JSON.stringify({ tokenId: 'tok_x', version: 'one' })),
    ];
    for (const topic of [TOPICS.authTokens, TOPICS.authIntegrations]) {
      for (const partition of [0, 1, 2]) {
        for (const value of garbage) {
          await produceRaw(
            scope.kafkaBrokers,
            kafka.topicName(topic),
            partition,
            Buffer.from('tok_x'),
            value,
          );
        }
      }
    }
    const late = issueToken({ integrationId: 'int_0', orgId: 'org_0' });
    await publishTokens([late.state]);
    await waitFor(
      () =>
        first.findByHash(late.state.tokenHash) !== undefined &&
        second.findByHash(late.state.tokenHash) !== undefined,
      { message: 'both replicas to apply the token published after the malformed messages' },
    );
    expect(first.size()).toEqual({ tokens: 301, integrations: 3 });
  });

  it('keeps fetching while nothing is published, so an idle projection does not look stale', async () => {
    // maxWaitTimeMs is 500 here: an idle broker answers every fetch after at most that long.
    const since = Date.now();
    let worst = 0;
    await waitFor(
      () => {
        worst = Math.max(worst, second.msSinceLastFetch());
        const lastFetchAt = Date.now() - second.msSinceLastFetch();
        return lastFetchAt >= since + 1_500;
      },
      { intervalMs: 10, timeoutMs: 5_000, message: 'a fetch answered 1.5 s into an idle period' },
    );
    expect(worst).toBeLessThan(1_500);
  });

  it('rebuilds the same content from the beginning when a replica restarts', async () => {
    const before = first.size();
    await first.stop();
    const restarted = await startCaughtUp();
    expect(restarted.size()).toEqual(before);
    for (const { state } of tokens.slice(0, 31)) {
      expect(restarted.findByHash(state.tokenHash)?.revokedAt).not.toBeNull();
    }
    expect(restarted.findByHash(tokens[200]?.state.tokenHash ?? '')).toEqual(tokens[200]?.state);
    expect(restarted.integrationStatus('int_1')).toEqual({ status: 'ACTIVE', version: 3 });
  });
});
