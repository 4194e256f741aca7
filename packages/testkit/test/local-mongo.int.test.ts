import { MongoClient } from 'mongodb';
import { startPrivateMongo } from '../src';
import type { PrivateServer } from '../src';

// The local MongoDB-protocol server (infra/local/mongo.sh: mongo-java-server, H2 file) is held to the
// MongoDB behaviour the services rely on. Where it differs, docs/local-servers.md says so and names
// the test here that shows it.
describe('the local MongoDB-protocol server', () => {
  let server: PrivateServer;
  let client: MongoClient;

  beforeAll(async () => {
    server = await startPrivateMongo();
    client = await MongoClient.connect(server.url, { directConnection: true });
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    await server?.destroy();
  }, 60_000);

  it('gives exactly one winner to 10 concurrent conditional findOneAndUpdate of one document', async () => {
    const docs = client.db('atomic').collection<{ _id: string; state: string; round: number }>('claims');
    for (let round = 0; round < 5; round++) {
      await docs.insertOne({ _id: `d${round}`, state: 'open', round });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          docs.findOneAndUpdate({ _id: `d${round}`, state: 'open' }, { $set: { state: 'taken' } }),
        ),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    }
  });

  it('counts 100 concurrent $inc of one field to 100', async () => {
    const counters = client.db('atomic').collection<{ _id: string; n: number }>('counters');
    await counters.insertOne({ _id: 'c', n: 0 });
    await Promise.all(
      Array.from({ length: 100 }, () => counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } })),
    );
    expect((await counters.findOne({ _id: 'c' }))?.n).toBe(100);
  });

  it('answers every concurrent $inc with returnDocument after with its own value', async () => {
    const counters = client.db('atomic').collection<{ _id: string; n: number }>('sequences');
    await counters.insertOne({ _id: 's', n: 0 });
    const others = await Promise.all(
      [1, 2].map(() => MongoClient.connect(server.url, { directConnection: true })),
    );
    try {
      const collections = [client, ...others].map((c) =>
        c.db('atomic').collection<{ _id: string; n: number }>('sequences'),
      );
      const seen = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          collections[i % collections.length]!.findOneAndUpdate(
            { _id: 's' },
            { $inc: { n: 1 } },
            { returnDocument: 'after' },
          ),
        ),
      );
      expect(new Set(seen.map((doc) => doc?.n)).size).toBe(60);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });

  it('reports only the inserted documents in insertedCount when some are duplicates', async () => {
    const things = client.db('atomic').collection<{ _id: string }>('things');
    await things.insertOne({ _id: 'a' });
    const error = await things
      .insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }], { ordered: false })
      .catch((e: unknown) => e as { insertedCount?: number; result?: { insertedCount: number } });
    expect(error).toMatchObject({ code: 11000 });
    expect((error as { insertedCount: number }).insertedCount).toBe(2);
    expect(await things.countDocuments()).toBe(3);
  });

  it('runs one update command with 200 matched upserts', async () => {
    const rows = client.db('atomic').collection<{ _id: string; v: number }>('rows');
    const ops = Array.from({ length: 200 }, (_, i) => ({
      updateOne: { filter: { _id: `r${i}` }, update: { $set: { v: 1 } }, upsert: true },
    }));
    await rows.bulkWrite(ops);
    const again = await rows.bulkWrite(
      ops.map((op) => ({ updateOne: { ...op.updateOne, update: { $set: { v: 2 } } } })),
    );
    expect(again.matchedCount).toBe(200);
  });

  it('keeps collections that replicas create at the same time updatable (mongoose autoCreate at start)', async () => {
    // Each round: 16 connections create one new collection at once, like every replica's mongoose at
    // start, then an index is declared and the collection's document is updated twice.
    const others = await Promise.all(
      Array.from({ length: 15 }, () => MongoClient.connect(server.url, { directConnection: true })),
    );
    try {
      const dbs = [client, ...others].map((c) => c.db('created'));
      const failures: string[] = [];
      for (let round = 0; round < 100; round++) {
        const name = `c${round}`;
        await Promise.all(dbs.map((db) => db.createCollection(name).catch(() => undefined)));
        const docs = dbs[0]!.collection<{ _id: string; version: number }>(name);
        await docs.createIndex({ version: 1 });
        await docs.insertOne({ _id: 'x', version: 1 });
        await docs
          .findOneAndUpdate({ _id: 'x', version: 1 }, { $inc: { version: 1 } }, { returnDocument: 'after' })
          .then((after) => expect(after?.version).toBe(2))
          .catch((e: unknown) => failures.push(`${name}: ${(e as Error).message}`));
        await docs.updateOne({ _id: 'x' }, { $inc: { version: 1 } }).catch((e: unknown) => {
          failures.push(`${name}: ${(e as Error).message}`);
        });
      }
      expect(failures).toEqual([]);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });

  it('answers reads of one database while scans of another queue on their collection', async () => {
    // 32 connections each sort 3,000 documents of one collection (the scans take its lock in turn),
    // then 8 more connections each read a single document of another database. Served on threads of
    // their own, those reads are answered before all but a few scans; with the library's default of a
    // few shared threads, a read waited behind the scans queued on its connection's thread.
    const connect = () => MongoClient.connect(server.url, { directConnection: true });
    const scanners = await Promise.all(Array.from({ length: 32 }, connect));
    const readers = await Promise.all(Array.from({ length: 8 }, connect));
    try {
      const big = client.db('busy').collection<{ _id: number; at: number; pad: string }>('scanned');
      for (let i = 0; i < 3_000; i += 500) {
        await big.insertMany(
          Array.from({ length: 500 }, (_, j) => ({
            _id: i + j,
            at: ((i + j) * 7919) % 3_000,
            pad: 'x'.repeat(200),
          })),
        );
      }
      await client.db('quiet').collection<{ _id: string }>('one').insertOne({ _id: 'x' });
      let scansDone = 0;
      const scans = scanners.map(async (scanner) => {
        await scanner.db('busy').collection('scanned').find({}).sort({ at: -1 }).limit(10).toArray();
        scansDone += 1;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const scansBeforeReads = await Promise.all(
        readers.map(async (reader) => {
          expect(await reader.db('quiet').collection<{ _id: string }>('one').findOne({ _id: 'x' })).toEqual({
            _id: 'x',
          });
          return scansDone;
        }),
      );
      await Promise.all(scans);
      expect(Math.max(...scansBeforeReads)).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all([...scanners, ...readers].map((c) => c.close()));
    }
  });

  it('keeps every acknowledged write when the server is killed with SIGKILL during a stream of writes', async () => {
    const writers = 4;
    const acknowledged: string[] = [];
    let stop = false;
    const stream = async (writer: number) => {
      const writes = client.db('durable').collection<{ _id: string }>('writes');
      for (let i = 0; !stop; i++) {
        const _id = `w${writer}-${i}`;
        try {
          await writes.insertOne({ _id });
          acknowledged.push(_id);
        } catch {
          return; // the server is gone: nothing after this was acknowledged
        }
      }
    };
    const streams = Array.from({ length: writers }, (_, w) => stream(w));
    while (acknowledged.length < 400) await new Promise((resolve) => setTimeout(resolve, 10));
    await server.kill();
    stop = true;
    await Promise.all(streams);
    await client.close(true);

    await server.start();
    client = await MongoClient.connect(server.url, { directConnection: true });
    const stored = new Set(
      (await client.db('durable').collection<{ _id: string }>('writes').find().toArray()).map((d) => d._id),
    );
    const lost = acknowledged.filter((id) => !stored.has(id));
    expect({ acknowledged: acknowledged.length, lost }).toEqual({
      acknowledged: acknowledged.length,
      lost: [],
    });
    expect(acknowledged.length).toBeGreaterThanOrEqual(400);
  }, 120_000);
});
