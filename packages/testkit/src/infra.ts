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
  /** How it was found: from the environment, started in Docker, or by the local launchers. */
  source: 'env' | 'testcontainers' | 'local';
}

interface Stoppable {
  stop(): Promise<unknown>;
}

let resolved: Promise<Infra> | undefined;
const containers: Stoppable[] = [];

/**
 * Finds the MongoDB-protocol server and Kafka broker for tests, once per process, in this order:
 * `MONGO_URL` + `KAFKA_BROKERS` from the environment; else containers of the official `mongo` and
 * `apache/kafka` images when a Docker engine answers; else the repository's local launchers
 * (`infra/local/infra.sh up`, idempotent and locked, so concurrent callers share one broker).
 * The answer is written back to the environment so child processes and later calls reuse it.
 */
export function getInfra(): Promise<Infra> {
  resolved ??= resolveInfra().then((infra) => {
    process.env.MONGO_URL = infra.mongoUrl;
    process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
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

async function resolveInfra(): Promise<Infra> {
  const { MONGO_URL, KAFKA_BROKERS } = process.env;
  if (MONGO_URL && KAFKA_BROKERS) {
    const source = process.env.EUDR_TEST_INFRA_SOURCE === 'local' ? 'local' : 'env';
    return { mongoUrl: MONGO_URL, kafkaBrokers: splitBrokers(KAFKA_BROKERS), source };
  }
  if (await dockerAnswers()) return startContainers();
  return startLocal();
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

async function startContainers(): Promise<Infra> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  // The broker must advertise the port the host sees, so the host port is chosen up front.
  const kafkaPort = await freePort();
  const [mongo, kafka] = await Promise.all([
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
  return { mongoUrl: url.toString(), kafkaBrokers: [`127.0.0.1:${kafkaPort}`], source: 'testcontainers' };
}

async function startLocal(): Promise<Infra> {
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
  return { mongoUrl, kafkaBrokers: splitBrokers(brokers), source: 'local' };
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
