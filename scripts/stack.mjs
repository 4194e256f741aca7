#!/usr/bin/env node
// The whole platform on one machine: Kafka, the MongoDB-protocol server and Redis (infra/local/infra.sh),
// EUDR_REPLICAS replicas (default 2) of every app of infra/services.json whose workspace exists, and the
// nginx edge balancing over them. The replicas are supervised like docker-compose's restart policy: one
// that exits unexpectedly is restarted after 0.5 s, 1 s, 2 s ... up to 30 s (back to 0.5 s once it ran
// 30 s), and one that exits 5 times within 60 s is reported and left down. The edge serves the console at
// /console; the development OpenID provider it signs in with (apps/dev-oidc-provider, one process) runs
// next to the apps, and every app that verifies admin JWTs accepts its tokens (infra/edge/console.mjs).
//
//   node scripts/stack.mjs run            foreground; Ctrl-C stops the apps, then the edge and infra it started
//   node scripts/stack.mjs up             background (a detached supervisor); returns once everything answers
//   node scripts/stack.mjs down           stops what `up` (or a `run` in another terminal) started
//   node scripts/stack.mjs status [--json]  per replica: port, state, pid, restarts, last exit
//
// Environment: EUDR_REPLICAS (2), EDGE_PORT (8080), MONGO_PORT (27017), KAFKA_PORT (9092), REDIS_PORT
// (6379), <APP>_PORT / <APP>_PORTS (infra/services.mjs), DEV_OIDC_PROVIDER_PORT (4010), CONSOLE_OIDC_ISSUER
// (another identity provider instead of the development one: infra/edge/console.json), EUDR_LOCAL_DIR
// (<repo>/.local: the data dirs, the stack's state and logs), LOG_LEVEL (info), STACK_READY_TIMEOUT_MS (120000), STACK_SKIP_BUILD=1
// (the caller has just built), STACK_LOG_FORMAT=json for raw app logs in `run`, NO_COLOR. Everything
// else in the caller's environment reaches the apps (e.g. WEBHOOK_TARGET_ALLOWLIST) and wins over the
// `env` of services.json; PORT, HOST, MONGO_URL, KAFKA_BROKERS and REDIS_URL are set per replica.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  appExists,
  databaseName,
  loadApps,
  replicaCount,
  repoRoot,
  resolveAppEnv,
} from '../infra/services.mjs';
import { adminJwtEnv, consoleExists, consoleSettings, devProviderEnv } from '../infra/edge/console.mjs';
import { ensurePrerequisites } from './prerequisites.mjs';

const LOCAL_DIR = path.resolve(process.env.EUDR_LOCAL_DIR || path.join(repoRoot, '.local'));
// The launchers run from the repository root: give them the folder as this process resolved it.
if (process.env.EUDR_LOCAL_DIR) process.env.EUDR_LOCAL_DIR = LOCAL_DIR;
const STACK_DIR = path.join(LOCAL_DIR, 'stack');
const LOG_DIR = path.join(STACK_DIR, 'logs');
/** Written by the supervisor (the `run` process, or the daemon of `up`) on every change. */
const STATE_FILE = path.join(STACK_DIR, 'supervisor.json');
/** Written by `up`: the infra URLs, and which servers `up` started (so `down` stops only those). */
const INFRA_FILE = path.join(STACK_DIR, 'infra.json');
const INFRA = path.join(repoRoot, 'infra', 'local');
const EDGE_PORT = Number(process.env.EDGE_PORT || 8080);
const READY_TIMEOUT_MS = Number(process.env.STACK_READY_TIMEOUT_MS || 120_000);
const STOP_GRACE_MS = 10_000;
const RESTART = { firstDelayMs: 500, maxDelayMs: 30_000, stableMs: 30_000, crashLimit: 5, windowMs: 60_000 };
const CLOSE_FDS_AND_EXEC =
  'for fd in /proc/$$/fd/*; do case "${fd##*/}" in 0|1|2|*[!0-9]*) ;; *) eval "exec ${fd##*/}>&-" ;; esac; done; exec "$@"';

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const PALETTE = [36, 35, 33, 32, 34, 91, 96, 95];
const paint = (code, text) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
const colorOf = new Map();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const rel = (file) => path.relative(process.cwd(), file) || file;

function tag(name, colorKey = name) {
  if (!colorOf.has(colorKey))
    colorOf.set(colorKey, name === 'stack' ? 1 : PALETTE[colorOf.size % PALETTE.length]);
  return paint(colorOf.get(colorKey), `[${name}]`);
}

/** The daemon's messages go to its log file, where a timestamp tells when a replica crashed. */
let stampMessages = false;
function say(message) {
  const stamp = stampMessages ? `${new Date().toISOString()} ` : '';
  process.stderr.write(`${stamp}${tag('stack')} ${message}\n`);
}

class StackError extends Error {}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(file, value) {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------------
// Processes

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true;
  }
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout ?? '';
  }
}

/** `pid` when it is alive and its command line still holds `marker` (a reused pid is never signalled). */
const liveAs = (pid, marker) =>
  Number.isInteger(pid) && pid > 0 && isAlive(pid) && commandLine(pid).includes(marker) ? pid : undefined;

/** SIGTERM, wait up to `graceMs`, then SIGKILL. */
async function stopPid(name, pid, graceMs = STOP_GRACE_MS) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  say(`${name} (pid ${pid}) did not stop within ${graceMs / 1000}s; killing it`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

const readyz = (port) => answers(`http://127.0.0.1:${port}/readyz`);

// ---------------------------------------------------------------------------------------------------
// Launchers, build, apps

/** Runs a launcher; its stderr (progress) is shown, its stdout (KEY=value lines) is returned. */
function launcher(script, args, { quiet = false, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(INFRA, script), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const values = Object.fromEntries(
        stdout
          .split('\n')
          .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
          .filter(Boolean)
          .map((m) => [m[1], m[2]]),
      );
      resolve({ code, values });
    });
  });
}

const SERVERS = { mongo: 'mongo.sh', kafka: 'kafka.sh', redis: 'redis.sh' };

/** The infra servers that do not answer yet (the ones a start will launch). */
async function serversDown() {
  const codes = await Promise.all(
    Object.values(SERVERS).map(async (script) => (await launcher(script, ['status'], { quiet: true })).code),
  );
  return Object.keys(SERVERS).filter((_, i) => codes[i] !== 0);
}

async function infraUp() {
  const { code, values } = await launcher('infra.sh', ['up']);
  if (code !== 0 || !values.MONGO_URL || !values.KAFKA_BROKERS || !values.REDIS_URL) {
    throw new StackError('infra/local/infra.sh up failed (see above)');
  }
  return { mongoUrl: values.MONGO_URL, kafkaBrokers: values.KAFKA_BROKERS, redisUrl: values.REDIS_URL };
}

async function edgeUp(replicas) {
  const { code } = await launcher('edge.sh', ['start'], { env: { EDGE_REPLICAS: String(replicas) } });
  if (code !== 0) throw new StackError('infra/local/edge.sh start failed (see above)');
}

function replicasWanted() {
  try {
    return replicaCount(process.env.EUDR_REPLICAS, 2);
  } catch (error) {
    throw new StackError(error.message);
  }
}

/** The console's identity provider settings (infra/edge/console.json, CONSOLE_OIDC_* to use your own). */
function consoleConfig() {
  try {
    return consoleSettings();
  } catch (error) {
    throw new StackError(error.message);
  }
}

/**
 * The apps of the table (with every replica's port) and those whose workspace exists, plus the
 * development OpenID provider of the console (one process: its sessions live in memory) unless
 * CONSOLE_OIDC_ISSUER names another provider.
 */
function presentApps(replicas, { quiet = false } = {}) {
  let apps;
  try {
    apps = loadApps(repoRoot, { replicas });
  } catch (error) {
    throw new StackError(error.message);
  }
  for (const app of apps.filter((a) => !appExists(a))) {
    if (!quiet) say(`${app.name}: no apps/${app.name}/package.json yet; not started`);
  }
  const present = apps.filter((a) => appExists(a));
  const { devProvider, ...settings } = consoleConfig();
  if (devProvider !== null && consoleExists() && appExists({ name: devProvider.app })) {
    const provider = {
      name: devProvider.app,
      port: devProvider.port,
      ports: [devProvider.port],
      routes: [],
      env: devProviderEnv({ ...settings, devProvider }, EDGE_PORT),
    };
    // Every app that verifies admin JWTs accepts the provider's access tokens next to HS256 ones.
    const withProvider = (app) =>
      'ADMIN_JWT_SECRET' in app.env ? { ...app, env: { ...adminJwtEnv(settings), ...app.env } } : app;
    return { all: [...apps.map(withProvider), provider], present: [...present.map(withProvider), provider] };
  }
  return { all: apps, present };
}

const entryOf = (app) => path.join(repoRoot, 'apps', app.name, 'dist', 'main.js');

/**
 * Builds the apps, the packages they use and the API reference the edge serves (packages/openapi).
 * Turbo's cache makes this a second when nothing changed; a first build takes minutes, so each package
 * says when it starts.
 */
function build(apps) {
  if (process.env.STACK_SKIP_BUILD === '1') return Promise.resolve();
  const workspaces = [
    ...apps.map(
      (app) => JSON.parse(readFileSync(path.join(repoRoot, 'apps', app.name, 'package.json'), 'utf8')).name,
    ),
    '@eudr/openapi',
    ...(consoleExists() ? ['@eudr/console'] : []),
  ];
  say('building the apps, the console and the API reference (unchanged packages come from the build cache)');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const filters = workspaces.map((name) => `--filter=${name}...`);
    const child = spawn('npx', ['turbo', 'run', 'build', '--output-logs=new-only', ...filters], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = [];
    let pending = '';
    let building = 0;
    const onData = (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const miss = /^(\S+?):build: cache miss/.exec(line);
        if (miss) {
          building += 1;
          say(`building ${miss[1]}`);
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    const ticker = setInterval(() => say(`still building (${seconds(Date.now() - started)})`), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code !== 0) {
        process.stderr.write(`${[...output, pending].join('\n')}\n`);
        reject(new StackError('the build failed (see above)'));
        return;
      }
      say(
        building === 0
          ? `build up to date (${seconds(Date.now() - started)})`
          : `built ${building} package(s) in ${seconds(Date.now() - started)}`,
      );
      resolve();
    });
  });
}

/** Everything a start needs, checked before the first replica is spawned. */
async function checkStartable(apps) {
  for (const app of apps) {
    if (!existsSync(entryOf(app))) {
      throw new StackError(
        `apps/${app.name}/dist/main.js is missing after the build (does it build to dist/?)`,
      );
    }
    for (const port of app.ports) {
      if (await portOpen(port)) {
        throw new StackError(
          `port ${port} of ${app.name} is taken by another process; stop it, or move the app with ` +
            `${app.name.toUpperCase().replace(/-/g, '_')}_PORT (replica k listens on that port + 100·k)`,
        );
      }
    }
  }
  if (!existsSync(path.join(repoRoot, 'packages', 'openapi', 'dist', 'public', 'index.html'))) {
    say('the API reference is not built (packages/openapi); /docs will answer 404');
  }
}

/** The environment replica `k` (0-based) of an app starts with (see the header for who wins). */
function appEnv(app, all, infra, k) {
  const env = { ...resolveAppEnv(app, all, 'local', k), ...process.env };
  const mongo = new URL(infra.mongoUrl);
  mongo.pathname = `/${databaseName(app)}`;
  return {
    ...env,
    NODE_ENV: env.NODE_ENV ?? 'development',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    PORT: String(app.ports[k]),
    HOST: '127.0.0.1',
    MONGO_URL: mongo.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
  };
}

// ---------------------------------------------------------------------------------------------------
// Log lines in `run`: pino JSON becomes "12:00:01 INFO  message key=value", anything else passes as is.

const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS = { WARN: 33, ERROR: 31, FATAL: 31 };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function formatLine(line) {
  if (process.env.STACK_LOG_FORMAT === 'json' || !line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || !('level' in entry)) return line;
  const level = LEVELS[entry.level] ?? String(entry.level).toUpperCase();
  const time = new Date(entry.time ?? Date.now()).toISOString().slice(11, 23);
  const extras = Object.entries(entry)
    .filter(([key]) => !OMIT.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const shown = `${time} ${level.padEnd(5)} ${entry.msg ?? ''}${extras ? ` ${extras}` : ''}`;
  return LEVEL_COLORS[level] ? paint(LEVEL_COLORS[level], shown) : shown;
}

function pipeLines(stream, prefix) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) process.stdout.write(`${prefix} ${formatLine(line)}\n`);
  });
  stream.on('end', () => {
    if (pending) process.stdout.write(`${prefix} ${formatLine(pending)}\n`);
  });
}

// ---------------------------------------------------------------------------------------------------
// The supervisor: runs every replica, restarts the ones that exit, records their state in STATE_FILE.

const describeExit = (exit) => (exit.signal ? exit.signal : `code ${exit.code}`);
const logFileOf = (replica) => path.join(LOG_DIR, `${replica.app.name}-${replica.index}.log`);

/**
 * @param {{apps: object[], all: object[], infra: object, output: 'terminal' | 'files'}} options
 *   terminal: replica output goes to our stdout, formatted and tagged; files: to logs/<app>-<k>.log
 */
function createSupervisor({ apps, all, infra, output }) {
  const replicas = apps.flatMap((app) =>
    app.ports.map((port, k) => ({
      app,
      index: k + 1,
      name: `${app.name}#${k + 1}`,
      port,
      env: appEnv(app, all, infra, k),
      child: undefined,
      exited: Promise.resolve(),
      state: 'stopped',
      everReady: false,
      restarts: 0,
      lastExit: undefined,
      startedAt: 0,
      delayMs: RESTART.firstDelayMs,
      crashes: [],
      timer: undefined,
      restartAt: undefined,
    })),
  );
  let stopping = false;
  let failStart = () => {};

  const save = () =>
    writeJson(STATE_FILE, {
      pid: process.pid,
      output,
      edgePort: EDGE_PORT,
      replicas: replicas.map((r) => ({
        name: r.name,
        app: r.app.name,
        index: r.index,
        port: r.port,
        pid: r.child?.pid ?? null,
        state: r.state,
        restarts: r.restarts,
        lastExit: r.lastExit ?? null,
        restartAt: r.restartAt ?? null,
        log: output === 'files' ? logFileOf(r) : null,
      })),
    });

  async function watchReadiness(replica, child) {
    while (replica.child === child && replica.state === 'starting') {
      if (await readyz(replica.port)) {
        if (replica.child !== child || replica.state !== 'starting') return;
        replica.state = 'up';
        replica.everReady = true;
        save();
        if (replica.restarts > 0)
          say(`${replica.name} ready again on :${replica.port} (restart ${replica.restarts})`);
        return;
      }
      await sleep(250);
    }
  }

  function spawnReplica(replica) {
    let stdio = ['ignore', 'pipe', 'pipe'];
    let fd;
    if (output === 'files') {
      fd = openSync(logFileOf(replica), 'a');
      writeSync(fd, `--- ${replica.name} started by the stack at ${new Date().toISOString()} ---\n`);
      stdio = ['ignore', fd, fd];
    }
    // Own process group: a Ctrl-C reaches only the stack, which then stops the replicas in order.
    const child = spawn(process.execPath, [entryOf(replica.app)], {
      cwd: path.join(repoRoot, 'apps', replica.app.name),
      env: replica.env,
      stdio,
      detached: true,
    });
    if (fd !== undefined) closeSync(fd);
    else {
      const prefix = tag(replica.name, replica.app.name);
      pipeLines(child.stdout, prefix);
      pipeLines(child.stderr, prefix);
    }
    replica.child = child;
    replica.state = 'starting';
    replica.startedAt = Date.now();
    replica.restartAt = undefined;
    replica.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    void replica.exited.then((exit) => onExit(replica, child, exit));
    save();
    void watchReadiness(replica, child);
  }

  function onExit(replica, child, { code, signal }) {
    if (replica.child !== child) return;
    const now = Date.now();
    replica.child = undefined;
    replica.lastExit = { code, signal, at: new Date(now).toISOString() };
    if (stopping) {
      replica.state = 'stopped';
      save();
      return;
    }
    const how = describeExit(replica.lastExit);
    const where = output === 'files' ? `; see ${rel(logFileOf(replica))}` : ' (see its output above)';
    // An exit during start-up is retried too, as compose does (a broker still loading its coordinators
    // on a first start); a replica that gives up before it was ever ready ends the start.
    replica.crashes = [...replica.crashes.filter((t) => now - t < RESTART.windowMs), now];
    if (replica.crashes.length >= RESTART.crashLimit) {
      replica.state = 'failed';
      save();
      const gaveUp = `${replica.name} exited ${replica.crashes.length} times within ${RESTART.windowMs / 1000}s (last: ${how})`;
      if (!replica.everReady) return failStart(new StackError(`${gaveUp}${where}`));
      say(`${gaveUp}; left DOWN, the other replicas keep serving${where}. Fix it, then restart the stack.`);
      return;
    }
    const delay = now - replica.startedAt >= RESTART.stableMs ? RESTART.firstDelayMs : replica.delayMs;
    replica.delayMs = Math.min(delay * 2, RESTART.maxDelayMs);
    replica.state = 'restarting';
    replica.restartAt = new Date(now + delay).toISOString();
    save();
    say(
      `${replica.name} (pid ${child.pid}) exited unexpectedly (${how}) after ${seconds(now - replica.startedAt)}; ` +
        `restart ${replica.restarts + 1} in ${seconds(delay)}`,
    );
    replica.timer = setTimeout(() => {
      replica.timer = undefined;
      if (stopping) return;
      replica.restarts += 1;
      spawnReplica(replica);
    }, delay);
  }

  return {
    /** Spawns every replica; resolves once all answer /readyz, rejects when one gives up or is late. */
    async start() {
      mkdirSync(LOG_DIR, { recursive: true });
      const failed = new Promise((_, reject) => (failStart = reject));
      for (const replica of replicas) spawnReplica(replica);
      const deadline = Date.now() + READY_TIMEOUT_MS;
      const allReady = (async () => {
        const announced = new Set();
        while (Date.now() < deadline) {
          for (const r of replicas.filter((x) => x.everReady && !announced.has(x))) {
            announced.add(r);
            say(`${r.name} ready on http://127.0.0.1:${r.port}`);
          }
          if (announced.size === replicas.length) return;
          await sleep(100);
        }
        const late = replicas.filter((r) => !r.everReady).map((r) => r.name);
        throw new StackError(
          `${late.join(', ')} did not answer GET /readyz within ${READY_TIMEOUT_MS / 1000}s`,
        );
      })();
      await Promise.race([allReady, failed]);
    },
    /** Stops every replica: apps no other app calls first, then the ones they call (auth-service). */
    async stop() {
      stopping = true;
      for (const r of replicas) clearTimeout(r.timer);
      const called = new Set(
        all.flatMap((app) =>
          Object.values(app.env).flatMap((v) =>
            [...v.matchAll(/\{\{url:([a-z0-9-]+)\}\}/g)].map((m) => m[1]),
          ),
        ),
      );
      for (const wave of [
        replicas.filter((r) => !called.has(r.app.name)),
        replicas.filter((r) => called.has(r.app.name)),
      ]) {
        await Promise.all(
          wave.map(async (r) => {
            const child = r.child;
            if (!child) {
              if (r.state !== 'failed') r.state = 'stopped';
              return;
            }
            await stopPid(r.name, child.pid);
            await r.exited;
          }),
        );
      }
      save();
    },
    /** SIGKILL to every replica (a second Ctrl-C). */
    kill() {
      for (const r of replicas) r.child?.kill('SIGKILL');
    },
  };
}

/** The recorded supervisor when it is still running: `{pid, state}`. */
function liveSupervisor() {
  const state = readJson(STATE_FILE);
  const pid = liveAs(state?.pid, path.join('scripts', 'stack.mjs'));
  return pid ? { pid, state } : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Commands

function prerequisites() {
  if (!ensurePrerequisites()) process.exit(1);
}

/** The seeded sign-ins of the development provider (its build), as lines to print; none without it. */
async function seededSignIns(present) {
  const provider = present.find((app) => app.routes.length === 0);
  if (provider === undefined) return [];
  try {
    const { DEV_USERS, DEV_PASSWORD } = await import(
      pathToFileURL(path.join(repoRoot, 'apps', provider.name, 'dist', 'users.js')).href
    );
    return [
      ...DEV_USERS.map(
        (u) =>
          `${u.email.padEnd(22)} ${u.role === 'admin' ? `admin of ${u.orgName} (${u.org})` : `${u.role} of ${u.orgName}: refused, not an admin`}`,
      ),
      `password for every one: ${DEV_PASSWORD}   (development OpenID provider on http://127.0.0.1:${provider.port})`,
    ];
  } catch {
    return [];
  }
}

async function printReady(t0, replicas, present, stopHint) {
  const base = `http://127.0.0.1:${EDGE_PORT}`;
  const signIns = await seededSignIns(present);
  const rows = [
    ['API', `${base}/api/v1`],
    ...(consoleExists() ? [['console', `${base}/console`]] : []),
    ...signIns.map((line, i) => [i === 0 ? 'sign in as' : '', line]),
    ['API reference', `${base}/docs  (OpenAPI document: ${base}/openapi.json)`],
    [
      'admin token',
      'ADMIN=$(npm run -s admin-token -- --org org_demo)   (development JWT; first calls: README.md)',
    ],
    ['status', 'npm run stack:status'],
    ['stop', stopHint],
  ];
  const apps = present.filter((app) => app.routes.length > 0).length;
  say(`ready in ${seconds(Date.now() - t0)}: ${apps} app(s) × ${replicas} replicas behind the edge`);
  for (const [label, value] of rows)
    say(`  ${label.padEnd(14)} ${label === 'API' || label === 'console' ? paint(1, value) : value}`);
}

async function cmdRun() {
  prerequisites();
  mkdirSync(STACK_DIR, { recursive: true });
  const running = liveSupervisor();
  if (running) {
    throw new StackError(`the stack already runs (pid ${running.pid}); "npm run stack:down" stops it`);
  }
  const t0 = Date.now();
  const replicas = replicasWanted();
  const { all, present } = presentApps(replicas);
  const [down, edgeRunning] = await Promise.all([
    serversDown(),
    launcher('edge.sh', ['status'], { quiet: true }).then((r) => r.code === 0),
  ]);
  let supervisor;
  let stopping = false;
  const shutdown = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await supervisor?.stop();
    rmSync(STATE_FILE, { force: true });
    if (!edgeRunning) await launcher('edge.sh', ['stop']);
    await Promise.all(down.map((server) => launcher(SERVERS[server], ['stop'])));
    process.exit(exitCode);
  };
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) return void shutdown(0);
    say('second interrupt: killing the replicas now');
    supervisor?.kill();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const infra = await infraUp();
    await build(present);
    await checkStartable(present);
    supervisor = createSupervisor({ apps: present, all, infra, output: 'terminal' });
    await supervisor.start();
    await edgeUp(replicas);
    await printReady(t0, replicas, present, 'Ctrl-C');
  } catch (error) {
    say(`error: ${error instanceof StackError ? error.message : error.stack}`);
    await shutdown(1);
  }
}

/** The detached supervisor that `up` starts: runs the replicas until `down` sends SIGTERM. */
async function cmdSupervise() {
  stampMessages = true;
  const infra = readJson(INFRA_FILE);
  const { all, present } = presentApps(replicasWanted(), { quiet: true });
  const supervisor = createSupervisor({ apps: present, all, infra, output: 'files' });
  let stopping = false;
  const stop = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    say('stopping every replica');
    await supervisor.stop();
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  try {
    await supervisor.start();
    say('every replica is ready');
  } catch (error) {
    say(`error: ${error.message}`);
    await stop(1);
  }
}

async function cmdUp() {
  prerequisites();
  mkdirSync(LOG_DIR, { recursive: true });
  const t0 = Date.now();
  const replicas = replicasWanted();
  const { present } = presentApps(replicas);
  const running = liveSupervisor();
  if (running) {
    say(
      `already running (supervisor pid ${running.pid}); "npm run stack:down" first to restart with new code`,
    );
  } else {
    // Recorded before the start, so that `down` also stops servers of a start that failed half-way.
    const started = [...new Set([...(readJson(INFRA_FILE)?.started ?? []), ...(await serversDown())])];
    writeJson(INFRA_FILE, { started });
    writeJson(INFRA_FILE, { ...(await infraUp()), started });
    await build(present);
    await checkStartable(present);
    rmSync(STATE_FILE, { force: true });
    const logFile = path.join(LOG_DIR, 'stack.log');
    const fd = openSync(logFile, 'a');
    // Through bash, which closes every inherited descriptor beyond stdio and then becomes node (same
    // pid): the supervisor must not keep open a pipe of whoever ran `stack:up`.
    const child = spawn(
      'bash',
      [
        '-c',
        CLOSE_FDS_AND_EXEC,
        'stack-supervisor',
        process.execPath,
        path.join(repoRoot, 'scripts', 'stack.mjs'),
        'supervise',
      ],
      { cwd: repoRoot, env: process.env, stdio: ['ignore', fd, fd], detached: true },
    );
    closeSync(fd);
    child.unref();
    say(`supervisor started (pid ${child.pid}), log in ${rel(logFile)}; replica logs in ${rel(LOG_DIR)}`);
    await waitForReplicas(child.pid, logFile);
  }
  await edgeUp(replicas);
  await printReady(t0, replicas, present, 'npm run stack:down');
  process.stdout.write(`http://127.0.0.1:${EDGE_PORT}\n`);
}

/** Follows the supervisor's state until every replica is up; fails with its log when it gives up. */
async function waitForReplicas(pid, logFile) {
  const announced = new Set();
  const deadline = Date.now() + READY_TIMEOUT_MS + 10_000;
  while (Date.now() < deadline) {
    const state = readJson(STATE_FILE);
    const replicas = state?.pid === pid ? state.replicas : [];
    for (const r of replicas.filter((x) => x.state === 'up' && !announced.has(x.name))) {
      announced.add(r.name);
      say(`${r.name} ready on http://127.0.0.1:${r.port}`);
    }
    if (replicas.length > 0 && announced.size === replicas.length) return;
    if (!isAlive(pid)) {
      const failed = replicas.find((r) => r.state === 'failed');
      const detail = failed?.log ? `\nlast lines of ${rel(failed.log)}:\n${tail(failed.log)}` : '';
      throw new StackError(
        `the stack did not start; last lines of ${rel(logFile)}:\n${tail(logFile, 15)}${detail}`,
      );
    }
    await sleep(200);
  }
  await stopPid('the supervisor', pid, STOP_GRACE_MS * 2);
  throw new StackError(`the replicas were not ready in time; see ${rel(logFile)}`);
}

async function cmdDown() {
  const running = liveSupervisor();
  const state = readJson(STATE_FILE);
  if (running) {
    say(`stopping the supervisor (pid ${running.pid}) and its replicas`);
    // A `run` in another terminal also stops the infra it started (Kafka may take a minute).
    await stopPid('the supervisor', running.pid, 90_000);
  }
  // Replicas left behind by a supervisor that was killed, and pid files of older versions of the stack.
  const leftovers = (state?.replicas ?? []).map((r) => [r.name, r.pid, r.app]);
  if (existsSync(STACK_DIR)) {
    for (const file of readdirSync(STACK_DIR).filter((f) => f.endsWith('.pid'))) {
      const name = file.slice(0, -'.pid'.length);
      leftovers.push([name, Number(readFileSync(path.join(STACK_DIR, file), 'utf8').trim()), name]);
      rmSync(path.join(STACK_DIR, file), { force: true });
    }
  }
  await Promise.all(
    leftovers.map(async ([name, pid, app]) => {
      const live = liveAs(pid, path.join('apps', app, 'dist', 'main.js'));
      if (live) await stopPid(name, live);
    }),
  );
  rmSync(STATE_FILE, { force: true });
  await launcher('edge.sh', ['stop']);
  const started = readJson(INFRA_FILE)?.started ?? [];
  await Promise.all(started.map((server) => launcher(SERVERS[server], ['stop'])));
  const left = Object.keys(SERVERS).filter((s) => !started.includes(s));
  if (left.length > 0) {
    say(`left running (not started by stack:up): ${left.join(', ')}; "npm run infra:down" stops them`);
  }
  rmSync(INFRA_FILE, { force: true });
}

function formatExit(exit) {
  if (!exit) return '-';
  return `${describeExit(exit)} at ${new Date(exit.at).toLocaleTimeString('en-GB')}`;
}

async function cmdStatus(json) {
  const running = liveSupervisor();
  const replicas = [];
  if (running) {
    for (const r of running.state.replicas) {
      const alive = r.pid !== null && isAlive(r.pid);
      const ready = alive && (await readyz(r.port));
      let state = ready ? 'up' : alive ? 'starting' : 'down';
      if (r.state === 'restarting')
        state = `down, restarting at ${new Date(r.restartAt).toLocaleTimeString('en-GB')}`;
      if (r.state === 'failed')
        state = `DOWN: exited ${RESTART.crashLimit} times within ${RESTART.windowMs / 1000}s, left down`;
      replicas.push({ ...r, pid: alive ? r.pid : null, up: ready, shown: state });
    }
  } else {
    const { present } = presentApps(replicasWanted(), { quiet: true });
    for (const app of present) {
      for (const [k, port] of app.ports.entries()) {
        const ready = await readyz(port);
        const shown = ready ? 'answering (not started by the stack)' : 'stopped';
        replicas.push({
          name: `${app.name}#${k + 1}`,
          app: app.name,
          port,
          pid: null,
          up: ready,
          shown,
          restarts: 0,
          lastExit: null,
        });
      }
    }
  }
  const infra = {};
  const where = {
    edge: `http://127.0.0.1:${EDGE_PORT}`,
    mongo: `mongodb://127.0.0.1:${process.env.MONGO_PORT || 27017}`,
    kafka: `127.0.0.1:${process.env.KAFKA_PORT || 9092}`,
    redis: `redis://127.0.0.1:${process.env.REDIS_PORT || 6379}`,
  };
  for (const [name, script] of [['edge', 'edge.sh'], ...Object.entries(SERVERS)]) {
    const { code } = await launcher(script, ['status'], { quiet: true });
    infra[name] = {
      address: where[name],
      state: code === 0 ? 'ready' : code === 3 ? 'stopped' : 'NOT ready',
    };
  }
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ supervisorPid: running?.pid ?? null, replicas, infra }, null, 2)}\n`,
    );
    return;
  }
  const rows = [
    ['REPLICA', 'PORT', 'PID', 'RESTARTS', 'LAST EXIT', 'STATE'],
    ...replicas.map((r) => [
      r.name,
      String(r.port),
      r.pid ? String(r.pid) : '-',
      String(r.restarts),
      formatExit(r.lastExit),
      r.shown,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  process.stdout.write(
    running
      ? `supervisor pid ${running.pid}\n\n`
      : '(no supervisor: the stack is not running from this checkout)\n\n',
  );
  for (const [name, { address, state }] of Object.entries(infra)) {
    process.stdout.write(`${name.padEnd(6)} ${address.padEnd(28)} ${state}\n`);
  }
}

const commands = {
  run: cmdRun,
  up: cmdUp,
  down: cmdDown,
  status: () => cmdStatus(process.argv.includes('--json')),
  supervise: cmdSupervise,
};
const command = commands[process.argv[2] ?? ''];
// `stack:status | head` closes the pipe early: not an error.
process.stdout.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : 1));
if (!command) {
  process.stderr.write('usage: node scripts/stack.mjs run|up|down|status [--json]\n');
  process.exit(64);
}
try {
  await command();
} catch (error) {
  say(`error: ${error instanceof StackError ? error.message : error.stack}`);
  process.exit(1);
}
