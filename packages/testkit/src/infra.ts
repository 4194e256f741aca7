import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { repoRoot } from './paths';
import { freePort } from './ports';

const execFileAsync = promisify(execFile);

/** Where the shared test infrastructure answers. */
export interface Infra {
  mongoUrl: string;
  kafkaBrokers: string[];
  /** `redis://host:port` of the Redis the rate limiter counts in. */
  redisUrl: string;
  /** How MongoDB and Kafka were found: from the environment, started in Docker, or by the local launchers. */
  source: 'env' | 'testcontainers' | 'local';
}

interface Stoppable {
  stop(): Promise<unknown>;
}

let resolved: Promise<Infra> | undefined;
const containers: Stoppable[] = [];

/**
 * Finds the MongoDB-protocol server, Kafka broker and Redis for tests, once per process, in this order:
 * `MONGO_URL` + `KAFKA_BROKERS` from the environment; else containers of the official `mongo` and
 * `apache/kafka` images when a Docker engine answers; else the repository's local launchers
 * (`infra/local/infra.sh up`, idempotent and locked, so concurrent callers share one broker). Redis
 * likewise: `REDIS_URL` from the environment, else a `redis:7` container where Docker answers, else
 * `infra/local/redis.sh start`.
 * The answer is written back to the environment so child processes and later calls reuse it.
 */
export function getInfra(): Promise<Infra> {
  resolved ??= resolveInfra().then((infra) => {
    process.env.MONGO_URL = infra.mongoUrl;
    process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
    process.env.REDIS_URL = infra.redisUrl;
    process.env.EUDR_TEST_INFRA_SOURCE = infra.source;
    return infra;
  });
  return resolved;
}

/** Stops containers started by {@link getInfra} in this process (local launchers keep running). */
export async function stopInfra(): Promise<void> {
  await Promise.all(containers.splice(0).map((c) => c.stop()));
  resolved = undefined;
}

type FoundInfra = Omit<Infra, 'redisUrl'> & { redisUrl?: string | undefined };

async function resolveInfra(): Promise<Infra> {
  const { MONGO_URL, KAFKA_BROKERS, REDIS_URL } = process.env;
  let found: FoundInfra;
  if (MONGO_URL && KAFKA_BROKERS) {
    const source = process.env.EUDR_TEST_INFRA_SOURCE === 'local' ? 'local' : 'env';
    found = { mongoUrl: MONGO_URL, kafkaBrokers: splitBrokers(KAFKA_BROKERS), source };
  } else if (await dockerAnswers()) {
    found = await startContainers();
  } else {
    found = await startLocal();
  }
  const redisUrl = REDIS_URL || found.redisUrl || (await findRedis());
  return { ...found, redisUrl };
}

/** Redis alone, for runs whose MongoDB and Kafka came from the environment. */
async function findRedis(): Promise<string> {
  if (await dockerAnswers()) return startRedisContainer();
  const script = path.join(repoRoot(), 'infra', 'local', 'redis.sh');
  const { stdout } = await execFileAsync('bash', [script, 'start'], {
    cwd: repoRoot(),
    maxBuffer: 1024 * 1024,
    timeout: 5 * 60_000,
  });
  const url = parseEnvLines(stdout).get('REDIS_URL');
  if (!url) throw new Error(`infra/local/redis.sh start did not print REDIS_URL:\n${stdout}`);
  return url;
}

async function startRedisContainer(): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const redis = await new GenericContainer('redis:7')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  containers.push(redis);
  return `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
}

function splitBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

async function dockerAnswers(): Promise<boolean> {
  if (process.env.EUDR_TEST_NO_DOCKER === '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainers(): Promise<FoundInfra> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  // The broker must advertise the port the host sees, so the host port is chosen up front.
  const kafkaPort = await freePort();
  const [redisUrl, mongo, kafka] = await Promise.all([
    startRedisContainer(),
    new MongoDBContainer('mongo:7').start(),
    new GenericContainer('apache/kafka:4.1.1')
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
  ]);
  containers.push(mongo, kafka);
  const url = new URL(mongo.getConnectionString());
  url.searchParams.set('directConnection', 'true');
  return {
    mongoUrl: url.toString(),
    kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
    redisUrl,
    source: 'testcontainers',
  };
}

async function startLocal(): Promise<FoundInfra> {
  const script = path.join(repoRoot(), 'infra', 'local', 'infra.sh');
  const { stdout } = await execFileAsync('bash', [script, 'up'], {
    cwd: repoRoot(),
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  const values = parseEnvLines(stdout);
  const mongoUrl = values.get('MONGO_URL');
  const brokers = values.get('KAFKA_BROKERS');
  if (!mongoUrl || !brokers) {
    throw new Error(`infra/local/infra.sh up did not print MONGO_URL and KAFKA_BROKERS:\n${stdout}`);
  }
  return {
    mongoUrl,
    kafkaBrokers: splitBrokers(brokers),
    redisUrl: values.get('REDIS_URL'),
    source: 'local',
  };
}

/** Parses `KEY=value` lines as printed by the local launchers. */
export function parseEnvLines(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  return values;
}
