import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
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
  /** The user the broker accepts (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512), when started with one. */
  sasl?: { username: string; password: string };
  /** Kills the process with SIGKILL (no chance to flush anything) and resolves once it is gone. */
  kill(): Promise<void>;
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

/** True while the process exists and is not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function killRecorded(pidFile: string): Promise<void> {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process id in ${pidFile}`);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still alive 10 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function privateServer(
  script: string,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  fields: Pick<PrivateServer, 'brokers' | 'url' | 'port'>,
): PrivateServer {
  const pidFile = path.join(dataDir, `${script.replace(/\.sh$/, '')}.pid`);
  return {
    ...fields,
    start: () => runLauncher(script, 'start', env),
    stop: () => runLauncher(script, 'stop', env),
    kill: () => killRecorded(pidFile),
    async destroy() {
      await runLauncher(script, 'stop', env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a private single-node Kafka broker (local launcher, KRaft) on spare loopback ports. Always
 * local, even where Docker exists: a container's mapped port changes across restarts, which a broker's
 * advertised address cannot follow. With `sasl`, its client port is a SASL_PLAINTEXT listener that
 * accepts only that user (a fresh random password), with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
 */
export async function startPrivateKafka(options: { sasl?: boolean } = {}): Promise<PrivateServer> {
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const dataDir = scratchDir('kafka');
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_DATA_DIR: dataDir,
  };
  const sasl = options.sasl ? { username: 'eudr', password: randomBytes(16).toString('hex') } : undefined;
  if (sasl)
    Object.assign(env, { KAFKA_LOCAL_SASL_USER: sasl.username, KAFKA_LOCAL_SASL_PASSWORD: sasl.password });
  const address = `127.0.0.1:${port}`;
  const server = {
    ...privateServer('kafka.sh', env, dataDir, { brokers: [address], url: address, port }),
    ...(sasl ? { sasl } : {}),
  };
  await server.start();
  return server;
}

/**
 * Starts a private MongoDB-protocol server (the local launcher: mongo-java-server, H2 file) on a spare
 * loopback port. Always local, like {@link startPrivateKafka}: the port must survive a restart.
 */
export async function startPrivateMongo(): Promise<PrivateServer> {
  const port = await freePort();
  const dataDir = scratchDir('mongo');
  const env = { MONGO_PORT: String(port), MONGO_DATA_DIR: dataDir };
  const url = `mongodb://127.0.0.1:${port}/`;
  const server = privateServer('mongo.sh', env, dataDir, { brokers: [], url, port });
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
