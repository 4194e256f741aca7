import type { EventProducer } from '@eudr/events';
import { connectMongo, createLogger } from '@eudr/service-kit';
import type { MongoConnection } from '@eudr/service-kit';
import { createTestScope } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createTokenNotices } from '../src/tokens/token-notices';
import type { TokenNotices } from '../src/tokens/token-notices';
import { createTokensRepository } from '../src/tokens/tokens.repository';
import type { TokensRepository } from '../src/tokens/tokens.repository';

// The expiry notice scheduler on real MongoDB, several schedulers (as several replicas) on one
// database, with a producer that records what it was given and can be made to fail as a broker that
// is down: many replicas racing over many tokens claim each notice once, and a notice whose publication
// failed is published again, as the same event, by whichever replica runs after the retry delay.
jest.setTimeout(60_000);

const DAY_MS = 24 * 3600_000;
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const logger = createLogger({ service: 'auth-service', level: 'silent' });

interface Published {
  id: string;
  type: string;
  tokenId: string;
  threshold?: string;
}

let scope: TestScope | undefined;
const connections: MongoConnection[] = [];
const repositories: TokensRepository[] = [];
const published: Published[] = [];
const broker = { down: false };

const producer: Pick<EventProducer, 'publish'> = {
  async publish(_topic, messages) {
    if (broker.down) throw new Error('broker unavailable');
    for (const { value } of messages) {
      const event = value as { id: string; type: string; data: { tokenId: string; threshold?: string } };
      published.push({
        id: event.id,
        type: event.type,
        tokenId: event.data.tokenId,
        ...(event.data.threshold === undefined ? {} : { threshold: event.data.threshold }),
      });
    }
  },
};

function scheduler(n: number, clock: () => number): TokenNotices {
  const tokens = repositories[n % repositories.length];
  if (tokens === undefined) throw new Error('not connected');
  return createTokenNotices({
    tokens,
    producer,
    logger,
    clock: () => new Date(clock()),
    intervalMs: 60_000,
    retryAfterMs: 1_000,
  });
}

beforeAll(async () => {
  scope = await createTestScope('auth-notices');
  for (let n = 0; n < 3; n += 1) {
    const mongo = await connectMongo(scope.mongoUrl, { logger });
    connections.push(mongo);
    repositories.push(createTokensRepository(mongo.connection));
  }
  await connections[0]?.ensureIndexes();
});

afterAll(async () => {
  for (const mongo of connections) await mongo.close();
  await scope?.cleanup();
});

beforeEach(() => {
  published.length = 0;
  broker.down = false;
});

function newToken(n: number, expiresAt: Date) {
  const tokens = repositories[0];
  if (tokens === undefined) throw new Error('not connected');
  return tokens.create('org_notices', {
    integrationId: 'int_0123456789abcdef01234567',
    name: `token ${n}`,
    tokenHash: `${Date.now()}${n}`.padStart(64, '0'),
    displayPrefix: '0badc0de…',
    lastFour: '0bad',
    scopes: ['integration:suppliers:read'],
    expiresAt,
    createdBy: 'admin_1',
  });
}

describe('expiry notices with several schedulers on one database', () => {
  it('claims each notice of 20 tokens once while 6 schedulers run at the same moment, threshold after threshold', async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, n) => newToken(n, new Date(NOW + 10 * DAY_MS))),
    );
    for (const at of [NOW + 4 * DAY_MS, NOW + 9.5 * DAY_MS, NOW + 11 * DAY_MS, NOW + 12 * DAY_MS]) {
      await Promise.all(Array.from({ length: 6 }, (_, n) => scheduler(n, () => at).runOnce()));
    }
    for (const token of created) {
      expect(published.filter((p) => p.tokenId === token._id).map((p) => p.threshold ?? p.type)).toEqual([
        '7d',
        '1d',
        'token.expired',
      ]);
    }
    expect(new Set(published.map((p) => p.id)).size).toBe(published.length);
  });

  it('publishes a notice again, as the same event, after its publication failed, and then never again', async () => {
    const token = await newToken(99, new Date(NOW + 6 * DAY_MS));
    let now = NOW;
    broker.down = true;
    await expect(scheduler(0, () => now).runOnce()).rejects.toThrow('broker unavailable');
    expect(published).toEqual([]);
    broker.down = false;
    // Within the retry delay nobody publishes it: its claimer may still be at it.
    await scheduler(1, () => now).runOnce();
    expect(published).toEqual([]);
    now += 1_500;
    await Promise.all([scheduler(1, () => now).runOnce(), scheduler(2, () => now).runOnce()]);
    const again = published.filter((p) => p.tokenId === token._id);
    expect(again.length).toBeGreaterThanOrEqual(1);
    expect(new Set(again.map((p) => p.id)).size).toBe(1);
    expect(again[0]?.threshold).toBe('7d');
    published.length = 0;
    now += 60_000;
    await scheduler(0, () => now).runOnce();
    expect(published.filter((p) => p.tokenId === token._id)).toEqual([]);
  });
});
