import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { getInfra } from './infra';
import { recordTopicPrefix } from './test-topics';

/** An isolated slice of the shared infrastructure for one test suite. */
export interface TestScope {
  /** Connection string pointing at this suite's own database. */
  mongoUrl: string;
  /** The MongoDB-protocol server without a database, for suites that need several databases. */
  baseMongoUrl: string;
  dbName: string;
  kafkaBrokers: string[];
  /** Prefix for every topic this suite creates, so suites never read each other's messages. */
  topicPrefix: string;
  /** The shared Redis (`redis://host:port`). */
  redisUrl: string;
  /** Prefix for this suite's rate-limit keys in Redis (`RATE_LIMIT_KEY_PREFIX`), so suites never share a budget. */
  redisKeyPrefix: string;
  /** A short random id, handy for unique group ids and names inside the suite. */
  id: string;
  /** Drops the suite's database. */
  cleanup(): Promise<void>;
}

/** Returns `url` with its database path replaced by `dbName`, keeping credentials and options. */
export function withDatabase(url: string, dbName: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${dbName}`;
  return parsed.toString();
}

/**
 * Gives a suite its own database (`t_<label>_<random>`), topic prefix (`t.<label>.<random>.`) and
 * Redis key prefix (`t.<label>.<random>.rl:`) on the shared infrastructure found by {@link getInfra}.
 */
export async function createTestScope(label: string): Promise<TestScope> {
  const infra = await getInfra();
  const id = randomBytes(4).toString('hex');
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const dbName = `t_${safe}_${id}`;
  const topicPrefix = `t.${safe}.${id}.`;
  recordTopicPrefix(topicPrefix);
  return {
    mongoUrl: withDatabase(infra.mongoUrl, dbName),
    baseMongoUrl: infra.mongoUrl,
    dbName,
    kafkaBrokers: infra.kafkaBrokers,
    topicPrefix,
    redisUrl: infra.redisUrl,
    redisKeyPrefix: `t.${safe}.${id}.rl:`,
    id,
    async cleanup() {
      const client = await MongoClient.connect(infra.mongoUrl);
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
