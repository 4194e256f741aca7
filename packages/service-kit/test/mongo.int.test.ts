import { Schema } from 'mongoose';
import request from 'supertest';
import { createTestScope, freePort } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { connectMongo, createApp, createLogger } from '../src';
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

  it('fails fast with a clear error when no server answers', async () => {
    const port = await freePort();
    await expect(
      connectMongo(`mongodb://127.0.0.1:${port}/nothing`, { logger, serverSelectionTimeoutMS: 300 }),
    ).rejects.toMatchObject({ name: 'MongooseServerSelectionError' });
  });
});
