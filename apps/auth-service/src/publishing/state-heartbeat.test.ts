import type { EventProducer, StateHeartbeat as HeartbeatValue, StateTopic } from '@eudr/events';
import pino from 'pino';
import type { IntegrationRecord } from '../integrations/integration.model';
import type { PolicyRecord } from '../policy/policy.model';
import type { TokenRecord } from '../tokens/token.model';
import type { StateChannels } from './state-channels';
import { HEARTBEAT_SLACK_MS, createStateHeartbeat } from './state-heartbeat';
import type { PublishableStore } from './state-publisher';

const NOW = Date.parse('2026-05-01T10:00:10.000Z');

function storeWith<R extends TokenRecord | IntegrationRecord | PolicyRecord>(
  pending: { updatedAt: Date }[],
): PublishableStore<R> {
  const unused = () => Promise.reject(new Error('not used'));
  return {
    findForPublication: unused,
    markPublished: unused,
    requestRepublish: unused,
    // The oldest pending record first, as the repositories sort them.
    findPendingPublication: async (_olderThan, limit) =>
      [...pending].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime()).slice(0, limit) as R[],
  };
}

function setup(pending: { tokens?: Date[]; integrations?: Date[]; policies?: Date[] } = {}) {
  const sent: { topics: readonly StateTopic[]; heartbeat: HeartbeatValue }[] = [];
  const producer = {
    publishHeartbeat: async (topics: readonly StateTopic[], heartbeat: HeartbeatValue) => {
      sent.push({ topics, heartbeat });
    },
  } as unknown as EventProducer;
  const channels = {
    tokens: {
      kind: 'token',
      store: storeWith<TokenRecord>((pending.tokens ?? []).map((updatedAt) => ({ updatedAt }))),
      send: async () => undefined,
    },
    integrations: {
      kind: 'integration',
      store: storeWith<IntegrationRecord>((pending.integrations ?? []).map((updatedAt) => ({ updatedAt }))),
      send: async () => undefined,
    },
    policies: {
      kind: 'policy',
      store: storeWith<PolicyRecord>((pending.policies ?? []).map((updatedAt) => ({ updatedAt }))),
      send: async () => undefined,
    },
  } as StateChannels;
  const heartbeat = createStateHeartbeat({
    producer,
    channels,
    logger: pino({ level: 'silent' }),
    intervalMs: 1000,
    source: 'auth-service@test',
    clock: () => NOW,
  });
  return { heartbeat, sent };
}

describe('state heartbeat', () => {
  it('says everything up to now (less the slack) is published when nothing is pending, on both state topics', async () => {
    const { heartbeat, sent } = setup();
    await heartbeat.beat();
    expect(sent).toEqual([
      {
        topics: ['auth.tokens', 'auth.integrations'],
        heartbeat: {
          type: 'heartbeat',
          upTo: new Date(NOW - HEARTBEAT_SLACK_MS).toISOString(),
          sentAt: new Date(NOW).toISOString(),
          source: 'auth-service@test',
        },
      },
    ]);
  });

  it('holds its instant back to the oldest change still waiting for publication, token or integration', async () => {
    const revokedAt = new Date(NOW - 30_000);
    const { heartbeat, sent } = setup({
      tokens: [new Date(NOW - 5_000), revokedAt],
      integrations: [new Date(NOW - 8_000)],
    });
    await heartbeat.beat();
    expect(sent[0]?.heartbeat.upTo).toBe(new Date(revokedAt.getTime() - HEARTBEAT_SLACK_MS).toISOString());
    const second = setup({ integrations: [new Date(NOW - 8_000)] });
    await second.heartbeat.beat();
    expect(second.sent[0]?.heartbeat.upTo).toBe(new Date(NOW - 8_000 - HEARTBEAT_SLACK_MS).toISOString());
    const third = setup({ policies: [new Date(NOW - 9_000)] });
    await third.heartbeat.beat();
    expect(third.sent[0]?.heartbeat.upTo).toBe(new Date(NOW - 9_000 - HEARTBEAT_SLACK_MS).toISOString());
  });
});
