import { connectMongo, createLogger } from '@eudr/service-kit';
import type { MongoConnection } from '@eudr/service-kit';
import { createTestScope } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createSuppliersProjectionRepository } from '../src/suppliers-projection/suppliers-projection.repository';
import type { SuppliersProjectionRepository } from '../src/suppliers-projection/suppliers-projection.repository';

// Product pushes naming the same unknown supplier record their links in one document at the same time.
// On FerretDB (read, change, write back) concurrent `$addToSet`s keep one of them unless the repository
// serializes them, and a product whose link is lost would stay PENDING when its supplier arrives.
jest.setTimeout(60_000);

const ORG = 'org_links';

let scope: TestScope | undefined;
let mongo: MongoConnection | undefined;
let links: SuppliersProjectionRepository;

beforeAll(async () => {
  scope = await createTestScope('batches-concurrent');
  mongo = await connectMongo(scope.mongoUrl, {
    logger: createLogger({ service: 'batches-service-test', level: 'silent' }),
  });
  await mongo.ensureIndexes();
  links = createSuppliersProjectionRepository(mongo.connection);
});

afterAll(async () => {
  await mongo?.close();
  await scope?.cleanup();
});

describe('pending supplier links written concurrently', () => {
  it('keeps every product of concurrent additions to one link', async () => {
    const products = Array.from({ length: 20 }, (_, n) => `P-${n}`);
    await Promise.all(products.map((product) => links.addPendingLinks(ORG, 'SUP-1', [product])));
    expect((await links.pendingLinks(ORG, 'SUP-1')).sort()).toEqual([...products].sort());
  });

  it('removes exactly the resolved products while others are being added', async () => {
    const first = ['A-1', 'A-2', 'A-3', 'A-4'];
    await links.addPendingLinks(ORG, 'SUP-2', first);
    const later = Array.from({ length: 10 }, (_, n) => `B-${n}`);
    await Promise.all([
      links.removePendingLinks(ORG, 'SUP-2', ['A-1', 'A-3']),
      ...later.map((product) => links.addPendingLinks(ORG, 'SUP-2', [product])),
    ]);
    expect((await links.pendingLinks(ORG, 'SUP-2')).sort()).toEqual(['A-2', 'A-4', ...later].sort());
  });
});
