import { connectMongo, createLogger } from '@eudr/service-kit';
import type { MongoConnection } from '@eudr/service-kit';
import { createTestScope } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createIntegrationsRepository } from '../src/integrations/integrations.repository';
import type { IntegrationsRepository } from '../src/integrations/integrations.repository';
import { createTokensRepository } from '../src/tokens/tokens.repository';
import type { TokensRepository } from '../src/tokens/tokens.repository';

// Concurrent writes of the same token or integration document, as they happen in a running service: a
// revocation racing the mark of the token's creation as published and the usage fold, or two admin
// changes of one integration. On FerretDB (read, change, write back) these lose updates unless the
// repository serializes them; on MongoDB they are atomic anyway.
jest.setTimeout(60_000);

const ORG = 'org_concurrent';
const ROUNDS = 30;

let scope: TestScope | undefined;
let mongo: MongoConnection | undefined;
let tokens: TokensRepository;
let integrations: IntegrationsRepository;

beforeAll(async () => {
  scope = await createTestScope('auth-concurrent');
  mongo = await connectMongo(scope.mongoUrl, {
    logger: createLogger({ service: 'auth-service-test', level: 'silent' }),
  });
  await mongo.ensureIndexes();
  tokens = createTokensRepository(mongo.connection);
  integrations = createIntegrationsRepository(mongo.connection);
});

afterAll(async () => {
  await mongo?.close();
  await scope?.cleanup();
});

async function newIntegration() {
  return integrations.create(ORG, {
    name: 'ERP',
    description: '',
    createdBy: 'admin_1',
    rateLimitPerMinute: null,
  });
}

function newToken(integrationId: string, n: number) {
  return tokens.create(ORG, {
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

describe('concurrent writes of one document', () => {
  it('keeps every revocation, usage fold and publication mark that race on the same token', async () => {
    const integration = await newIntegration();
    const created = await Promise.all(Array.from({ length: ROUNDS }, (_, n) => newToken(integration._id, n)));
    const usedAt = new Date('2026-11-01T10:00:00.000Z');
    const revokedAt = new Date('2026-11-01T11:00:00.000Z');

    await Promise.all(
      created.map((token) =>
        Promise.all([
          tokens.markPublished(token._id, 1, 0),
          tokens.revoke(ORG, integration._id, token._id, 'admin_2', revokedAt),
          tokens.foldLastUsed(new Map([[token._id, usedAt]])),
        ]),
      ),
    );

    for (const token of created) {
      const stored = await tokens.findById(ORG, integration._id, token._id);
      expect(stored).toMatchObject({
        revokedAt,
        revokedBy: 'admin_2',
        lastUsedAt: usedAt,
        version: 2,
        // The revocation is not on the topic yet, whichever came first.
        publishPending: true,
      });
    }
  });

  it('revokes a token once when revocations race', async () => {
    const integration = await newIntegration();
    const token = await newToken(integration._id, ROUNDS + 1);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        tokens.revoke(ORG, integration._id, token._id, `admin_${n}`, new Date()),
      ),
    );
    expect(outcomes.filter((outcome) => outcome !== null)).toHaveLength(1);
    expect((await tokens.findById(ORG, integration._id, token._id))?.version).toBe(2);
  });

  it('lets exactly one of several changes at the same expected version of an integration win', async () => {
    const integration = await newIntegration();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        integrations.update(ORG, integration._id, 1, { name: `renamed ${n}` }),
      ),
    );
    const winners = outcomes.filter((outcome) => outcome !== null);
    expect(winners).toHaveLength(1);
    const stored = await integrations.findById(ORG, integration._id);
    expect(stored).toMatchObject({ version: 2, name: winners[0]?.name, publishPending: true });
  });
});
