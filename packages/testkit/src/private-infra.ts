import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths';
import { freePort } from './ports';

const execFileAsync = promisify(execFile);

/** A throwaway server on spare ports with its own data folder, for tests that stop and restart it. */
export interface PrivateServer {
  /** Kafka: `host:port` list; MongoDB and Redis: unused (see `url`). */
  brokers: string[];
  /** Connection URL (MongoDB, Redis) or the first broker address (Kafka). */
  url: string;
  port: number;
  /** Stops the process; the data folder is kept so `start()` resumes with the same data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data folder. */
  destroy(): Promise<void>;
}

function scratchDir(kind: string): string {
  const base = path.join(repoRoot(), '.local', 'tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, `${kind}-`));
}

async function runLauncher(script: string, action: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await execFileAsync('bash', [path.join(repoRoot(), 'infra', 'local', script), action], {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 10 * 60_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${script} ${action} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

function privateServer(
  script: string,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  fields: Pick<PrivateServer, 'brokers' | 'url' | 'port'>,
): PrivateServer {
  return {
    ...fields,
    start: () => runLauncher(script, 'start', env),
    stop: () => runLauncher(script, 'stop', env),
    async destroy() {
      await runLauncher(script, 'stop', env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a private single-node Kafka broker (local launcher, KRaft) on spare loopback ports. Always
 * local, even where Docker exists: a container's mapped port changes across restarts, which a broker's
 * advertised address cannot follow.
 */
export async function startPrivateKafka(): Promise<PrivateServer> {
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const dataDir = scratchDir('kafka');
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_DATA_DIR: dataDir,
  };
  const address = `127.0.0.1:${port}`;
  const server = privateServer('kafka.sh', env, dataDir, { brokers: [address], url: address, port });
  await server.start();
  return server;
}

/** Starts a private MongoDB-protocol server (FerretDB, SQLite handler) on a spare loopback port. */
export async function startPrivateMongo(): Promise<PrivateServer> {
  const port = await freePort();
  const dataDir = scratchDir('ferretdb');
  const env = { MONGO_PORT: String(port), FERRETDB_DATA_DIR: dataDir };
  const url = `mongodb://127.0.0.1:${port}/`;
  const server = privateServer('ferretdb.sh', env, dataDir, { brokers: [], url, port });
  await server.start();
  return server;
}

/**
 * Starts a private Redis (local launcher, nothing persisted) on a spare loopback port, e.g. to stop it
 * under a running service and start it again. Always local, like {@link startPrivateKafka}: the port
 * must survive a restart, which a container's mapped port does not.
 */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const port = await freePort();
  const dataDir = scratchDir('redis');
  const env = { REDIS_PORT: String(port), REDIS_DATA_DIR: dataDir };
  const url = `redis://127.0.0.1:${port}`;
  const server = privateServer('redis.sh', env, dataDir, { brokers: [], url, port });
  await server.start();
  return server;
}
