import { connectMongo, createLogger } from '@eudr/service-kit';
import type { MongoConnection } from '@eudr/service-kit';
import { createTestScope } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createIntegrationsRepository } from '../src/integrations/integrations.repository';
import type { IntegrationsRepository } from '../src/integrations/integrations.repository';
import { createTokensRepository } from '../src/tokens/tokens.repository';
import type { TokensRepository } from '../src/tokens/tokens.repository';

// Concurrent writes of the same token or integration document, as two replicas of auth-service make
// them: a revocation racing the publication mark of the token's creation and the usage fold, republish
// requests racing a mark, several revocations, several admin changes at one expected version. Each
// replica has its own connection and repositories, so nothing in one process can serialize the writes:
// only each write being one atomic update keeps every change.
jest.setTimeout(60_000);

const ORG = 'org_concurrent';
const ROUNDS = 30;

interface Replica {
  mongo: MongoConnection;
  tokens: TokensRepository;
  integrations: IntegrationsRepository;
}

let scope: TestScope | undefined;
const replicas: Replica[] = [];

/** The replica taking the n-th write of a race: the two take turns. */
function replica(n: number): Replica {
  const chosen = replicas[n % replicas.length];
  if (chosen === undefined) throw new Error('replicas not connected');
  return chosen;
}

beforeAll(async () => {
  scope = await createTestScope('auth-concurrent');
  for (let n = 0; n < 2; n += 1) {
    const mongo = await connectMongo(scope.mongoUrl, {
      logger: createLogger({ service: `auth-service-${n}`, level: 'silent' }),
    });
    replicas.push({
      mongo,
      tokens: createTokensRepository(mongo.connection),
      integrations: createIntegrationsRepository(mongo.connection),
    });
  }
  await replica(0).mongo.ensureIndexes();
});

afterAll(async () => {
  for (const { mongo } of replicas) await mongo.close();
  await scope?.cleanup();
});

async function newIntegration() {
  return replica(0).integrations.create(ORG, {
    name: 'ERP',
    description: '',
    createdBy: 'admin_1',
    rateLimitPerMinute: null,
  });
}

function newToken(integrationId: string, n: number) {
  return replica(n).tokens.create(ORG, {
    integrationId,
    name: `token ${n}`,
    tokenHash: `${n}`.padStart(64, '0'),
    displayPrefix: 'eudr_live_0000',
    lastFour: '0000',
    scopes: ['integration:suppliers:read'],
    expiresAt: null,
    createdBy: 'admin_1',
  });
}

describe('concurrent writes of one document from two replicas', () => {
  it('keeps every revocation, usage fold and publication mark that race on the same token', async () => {
    const integration = await newIntegration();
    const created = await Promise.all(Array.from({ length: ROUNDS }, (_, n) => newToken(integration._id, n)));
    const usedBefore = new Date('2026-11-01T09:00:00.000Z');
    const usedAt = new Date('2026-11-01T10:00:00.000Z');
    const revokedAt = new Date('2026-11-01T11:00:00.000Z');

    await Promise.all(
      created.map((token, n) =>
        Promise.all([
          replica(n).tokens.markPublished(token._id, 1, 0),
          replica(n + 1).tokens.revoke(ORG, integration._id, token._id, 'admin_2', revokedAt),
          replica(n).tokens.foldLastUsed(
            new Map([[token._id, { at: usedAt, address: '203.0.113.7', userAgent: 'ERP/2' }]]),
          ),
          // An older use folded by the other replica, possibly later: it must not win.
          replica(n + 1).tokens.foldLastUsed(
            new Map([[token._id, { at: usedBefore, address: '198.51.100.1', userAgent: 'ERP/1' }]]),
          ),
        ]),
      ),
    );

    for (const token of created) {
      const stored = await replica(0).tokens.findById(ORG, integration._id, token._id);
      expect(stored).toMatchObject({
        revokedAt,
        revokedBy: 'admin_2',
        lastUsedAt: usedAt,
        lastUsedAddress: '203.0.113.7',
        lastUsedUserAgent: 'ERP/2',
        version: 2,
        // The revocation is not on the topic yet, whichever came first.
        publishPending: true,
      });
    }
  });

  it('keeps every republish request that races the publication mark of the same version', async () => {
    const integration = await newIntegration();
    const created = await Promise.all(
      Array.from({ length: ROUNDS }, (_, n) => newToken(integration._id, n + 100)),
    );

    await Promise.all(
      created.map((token, n) =>
        Promise.all([
          replica(n).tokens.markPublished(token._id, 1, 0),
          replica(n + 1).tokens.requestRepublish(token._id),
          replica(n).tokens.requestRepublish(token._id),
        ]),
      ),
    );

    for (const token of created) {
      const stored = await replica(0).tokens.findForPublication(token._id);
      expect(stored).toMatchObject({ version: 1, publishGeneration: 2, publishPending: true });
    }
  });

  it('revokes a token once when revocations race', async () => {
    const integration = await newIntegration();
    const token = await newToken(integration._id, ROUNDS + 1);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        replica(n).tokens.revoke(ORG, integration._id, token._id, `admin_${n}`, new Date()),
      ),
    );
    expect(outcomes.filter((outcome) => outcome !== null)).toHaveLength(1);
    expect((await replica(0).tokens.findById(ORG, integration._id, token._id))?.version).toBe(2);
  });

  it('lets exactly one of several changes at the same expected version of an integration win', async () => {
    const integration = await newIntegration();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        replica(n).integrations.update(ORG, integration._id, 1, { name: `renamed ${n}` }),
      ),
    );
    const winners = outcomes.filter((outcome) => outcome !== null);
    expect(winners).toHaveLength(1);
    const stored = await replica(1).integrations.findById(ORG, integration._id);
    expect(stored).toMatchObject({ version: 2, name: winners[0]?.name, publishPending: true });
  });
});
