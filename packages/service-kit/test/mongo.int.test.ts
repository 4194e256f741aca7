import { Schema } from 'mongoose';
import request from 'supertest';
import { createTestScope, freePort } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { chunkedBulkWrite, connectMongo, createApp, createLogger } from '../src';
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

  it('upserts 500 documents in one call, and a repeat matches them all without creating any', async () => {
    const Things = mongo.connection.model<Thing>('Thing');
    const ops = Array.from({ length: 500 }, (_, i) => ({
      updateOne: {
        filter: { orgId: 'org_bulk', externalId: `ext-${i}` },
        update: { $set: { name: `thing ${i}` } },
        upsert: true,
      },
    }));

    const first = await chunkedBulkWrite(Things, ops);
    expect(first).toMatchObject({ upsertedCount: 500, matchedCount: 0, writeErrors: [] });
    expect(
      Object.keys(first.upsertedIds)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(ops.map((_, i) => i));

    const second = await chunkedBulkWrite(Things, ops);
    expect(second).toMatchObject({ upsertedCount: 0, matchedCount: 500, writeErrors: [] });
    expect(await Things.countDocuments({ orgId: 'org_bulk' })).toBe(500);
    // FerretDB's SQLite backend applies upserts one at a time, and the suites share one server.
  }, 120_000);

  it('reports failed operations by their index in the whole list and still applies the others', async () => {
    const Things = mongo.connection.model<Thing>('Thing');
    const ops = Array.from({ length: 45 }, (_, i) => ({
      insertOne: {
        document: { orgId: 'org_partial', externalId: i === 31 ? 'ext-0' : `ext-${i}`, name: `n${i}` },
      },
    }));
    const result = await chunkedBulkWrite(Things, ops);
    expect(result.insertedCount).toBe(44);
    expect(result.writeErrors).toEqual([expect.objectContaining({ index: 31, code: 11000 })]);
  }, 60_000);

  it('fails fast with a clear error when no server answers', async () => {
    const port = await freePort();
    await expect(
      connectMongo(`mongodb://127.0.0.1:${port}/nothing`, { logger, serverSelectionTimeoutMS: 300 }),
    ).rejects.toMatchObject({ name: 'MongooseServerSelectionError' });
  });
});
