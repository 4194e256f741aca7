import { Schema } from 'mongoose';
import request from 'supertest';
import { createTestScope, freePort } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { connectMongo, createApp, createLogger, findPage } from '../src';
import type { MongoConnection } from '../src';
import { listen, memoryDestination } from './helpers/listen';
import type { Listening } from './helpers/listen';

interface Thing {
  orgId: string;
  externalId: string;
  name: string;
}

const thingSchema = new Schema<Thing>(
  {
    orgId: { type: String, required: true },
    externalId: { type: String, required: true },
    name: { type: String, required: true },
  },
  { timestamps: true },
);
// Serves the upsert-by-externalId lookups, and makes a second record with the same externalId in one
// organisation impossible.
thingSchema.index({ orgId: 1, externalId: 1 }, { unique: true });

describe('connectMongo against a real MongoDB-protocol server', () => {
  const logger = createLogger({ service: 'mongo-test', destination: memoryDestination() });
  let scope: TestScope;
  let mongo: MongoConnection;
  let server: Listening;

  beforeAll(async () => {
    scope = await createTestScope('service-kit-mongo');
    mongo = await connectMongo(scope.mongoUrl, { logger });
    const Things = mongo.connection.model<Thing>('Thing', thingSchema);
    await mongo.ensureIndexes();
    const app = createApp({
      service: 'mongo-test',
      logger,
      readiness: [mongo.readinessCheck],
      routes: (app) => {
        app.post('/api/v1/things', async (req, res) => {
          const created = await Things.create(req.body as Thing);
          res.status(201).json({ id: String(created._id) });
        });
      },
    });
    server = await listen(app);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await mongo?.close();
    await scope?.cleanup();
  }, 60_000);

  it('connects to the suite database and reports ready', async () => {
    expect(mongo.isReady()).toBe(true);
    expect(mongo.connection.name).toBe(scope.dbName);
    const res = await request(server.url).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ mongodb: 'ok' });
  });

  it('builds the declared unique index at start', async () => {
    const indexes = await mongo.connection.model('Thing').listIndexes();
    expect(indexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: { orgId: 1, externalId: 1 }, unique: true })]),
    );
  });

  it('answers a unique index violation with 409 CONFLICT naming the key fields but not their values', async () => {
    const thing = { orgId: 'org_conflict_7c1', externalId: 'EXT-dup-93a', name: 'first' };
    const first = await request(server.url).post('/api/v1/things').send(thing);
    expect(first.status).toBe(201);

    const second = await request(server.url)
      .post('/api/v1/things')
      .send({ ...thing, name: 'second' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      error: 'CONFLICT',
      message: 'A record with the same orgId and externalId already exists.',
      details: { fields: ['orgId', 'externalId'] },
    });
    expect(second.text).not.toContain('org_conflict_7c1');
    expect(second.text).not.toContain('EXT-dup-93a');
  });

  it('reads a list page by page, from a model or a driver collection, with the total of the filter', async () => {
    const Things = mongo.connection.model<Thing>('Thing');
    const orgId = 'org_pages_4e2';
    await Things.create(
      Array.from({ length: 7 }, (_, i) => ({ orgId, externalId: `EXT-${i}`, name: `thing ${i}` })),
    );
    await Things.create({ orgId: 'org_other_4e2', externalId: 'EXT-0', name: 'not listed' });
    const sort = { externalId: -1 } as const;

    const collection = mongo.connection.collection<Thing>(Things.collection.collectionName);
    for (const read of [
      (page: number) => findPage(Things, { orgId }, sort, { page, limit: 3 }),
      (page: number) => findPage(collection, { orgId }, sort, { page, limit: 3 }),
    ]) {
      const pages = await Promise.all([1, 2, 3, 4].map(read));
      expect(pages.map((p) => p.total)).toEqual([7, 7, 7, 7]);
      expect(pages.map((p) => p.items.map((thing) => thing.externalId))).toEqual([
        ['EXT-6', 'EXT-5', 'EXT-4'],
        ['EXT-3', 'EXT-2', 'EXT-1'],
        ['EXT-0'],
        [],
      ]);
      // Plain objects from both: what a repository hands to its view mapping.
      expect(Object.getPrototypeOf(pages[0]!.items[0])).toBe(Object.prototype);
    }
  });

  it('fails fast with a clear error when no server answers', async () => {
    const port = await freePort();
    await expect(
      connectMongo(`mongodb://127.0.0.1:${port}/nothing`, { logger, serverSelectionTimeoutMS: 300 }),
    ).rejects.toMatchObject({ name: 'MongooseServerSelectionError' });
  });
});
