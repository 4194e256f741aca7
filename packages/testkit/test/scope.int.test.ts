import { MongoClient } from 'mongodb';
import { createTestScope, getInfra } from '../src';

describe('createTestScope', () => {
  let client: MongoClient;

  beforeAll(async () => {
    client = await MongoClient.connect((await getInfra()).mongoUrl);
  });

  afterAll(async () => {
    await client.close();
  });

  it('gives two suites different databases and topic prefixes', async () => {
    const [a, b] = await Promise.all([createTestScope('scope test'), createTestScope('scope test')]);
    expect(a.dbName).toMatch(/^t_scope_test_[0-9a-f]{8}$/);
    expect(a.dbName).not.toBe(b.dbName);
    expect(a.topicPrefix).not.toBe(b.topicPrefix);
    expect(new URL(a.mongoUrl).pathname).toBe(`/${a.dbName}`);
  });

  it('cleanup drops the suite database on the real server', async () => {
    const scope = await createTestScope('cleanup');
    const scoped = await MongoClient.connect(scope.mongoUrl);
    try {
      await scoped.db().collection('things').insertOne({ n: 1 });
    } finally {
      await scoped.close();
    }
    const before = await client.db().admin().listDatabases();
    expect(before.databases.map((d) => d.name)).toContain(scope.dbName);

    await scope.cleanup();

    const after = await client.db().admin().listDatabases();
    expect(after.databases.map((d) => d.name)).not.toContain(scope.dbName);
  });
});
