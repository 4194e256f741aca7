#!/usr/bin/env node
// The whole platform on one machine: Kafka + FerretDB + Redis (infra/local/infra.sh), every app listed in
// infra/services.json whose workspace exists, and the nginx edge in front of them.
//
//   node scripts/stack.mjs run      foreground; Ctrl-C stops the apps, then the edge and infra it started
//   node scripts/stack.mjs up       background; returns once everything answers, prints the base URL
//   node scripts/stack.mjs down     stops what `up` started (apps and edge; infra only if `up` started it)
//   node scripts/stack.mjs status
//
// Environment: EDGE_PORT (8080), MONGO_PORT (27017), KAFKA_PORT (9092), REDIS_PORT (6379), LOG_LEVEL (info),
// STACK_READY_TIMEOUT_MS (60000), STACK_LOG_FORMAT=json for raw app logs in `run`, NO_COLOR. Everything
// else in the caller's environment reaches the apps (e.g. WEBHOOK_TARGET_ALLOWLIST) and wins over the
// `env` of services.json; PORT, HOST, MONGO_URL, KAFKA_BROKERS and REDIS_URL are set per app by the stack.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { appExists, databaseName, loadApps, repoRoot, resolveAppEnv } from '../infra/services.mjs';

const STACK_DIR = path.join(repoRoot, '.local', 'stack');
const LOG_DIR = path.join(STACK_DIR, 'logs');
const STATE_FILE = path.join(STACK_DIR, 'state.json');
const INFRA = path.join(repoRoot, 'infra', 'local');
const EDGE_PORT = Number(process.env.EDGE_PORT ?? 8080);
const READY_TIMEOUT_MS = Number(process.env.STACK_READY_TIMEOUT_MS ?? 60_000);
const STOP_GRACE_MS = 10_000;
const CLOSE_FDS_AND_EXEC =
  'for fd in /proc/$$/fd/*; do case "${fd##*/}" in 0|1|2|*[!0-9]*) ;; *) eval "exec ${fd##*/}>&-" ;; esac; done; exec "$@"';

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const PALETTE = [36, 35, 33, 32, 34, 91, 96, 95];
const paint = (code, text) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
const colorOf = new Map();

function tag(name) {
  if (!colorOf.has(name)) colorOf.set(name, name === 'stack' ? 1 : PALETTE[colorOf.size % PALETTE.length]);
  return paint(colorOf.get(name), `[${name}]`);
}

function say(message) {
  process.stderr.write(`${tag('stack')} ${message}\n`);
}

class StackError extends Error {}

// ---------------------------------------------------------------------------------------------------
// Processes

function pidFile(name) {
  return path.join(STACK_DIR, `${name}.pid`);
}

function entryOf(app) {
  return path.join(repoRoot, 'apps', app.name, 'dist', 'main.js');
}

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
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.stdout ?? '';
  }
}

/** The pid recorded for an app, when that process is alive and still runs the app's entry point. */
function recordedPid(app) {
  let pid;
  try {
    pid = Number(readFileSync(pidFile(app.name), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return commandLine(pid).includes(entryOf(app)) ? pid : undefined;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, wait up to the grace period, then SIGKILL. */
async function stopPid(name, pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      say(`${name} (pid ${pid}) stopped`);
      return;
    }
    await sleep(100);
  }
  say(`${name} (pid ${pid}) did not stop within ${STOP_GRACE_MS / 1000}s; killing it`);
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

async function answersReady(app) {
  try {
    const response = await fetch(`http://127.0.0.1:${app.port}/readyz`, {
      signal: AbortSignal.timeout(2000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitReady(app, pid, logHint) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new StackError(`${app.name} exited during start-up${logHint}`);
    if (await answersReady(app)) return;
    await sleep(200);
  }
  throw new StackError(
    `${app.name} did not answer GET /readyz with 200 within ${READY_TIMEOUT_MS / 1000}s${logHint}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Launchers

/** Runs a launcher; its stderr (progress) is shown, its stdout (KEY=value lines) is returned. */
function launcher(script, args, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(INFRA, script), ...args], {
      cwd: repoRoot,
      env: process.env,
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

async function running(script) {
  return (await launcher(script, ['status'], { quiet: true })).code === 0;
}

async function infraUp() {
  const { code, values } = await launcher('infra.sh', ['up']);
  if (code !== 0 || !values.MONGO_URL || !values.KAFKA_BROKERS || !values.REDIS_URL) {
    throw new StackError('infra/local/infra.sh up failed (see above)');
  }
  return { mongoUrl: values.MONGO_URL, kafkaBrokers: values.KAFKA_BROKERS, redisUrl: values.REDIS_URL };
}

async function edgeUp() {
  const { code } = await launcher('edge.sh', ['start']);
  if (code !== 0) throw new StackError('infra/local/edge.sh start failed (see above)');
}

// ---------------------------------------------------------------------------------------------------
// Apps

function presentApps() {
  const apps = loadApps();
  for (const app of apps.filter((a) => !appExists(a))) {
    say(`${app.name}: no apps/${app.name}/package.json yet; not started`);
  }
  return { all: apps, present: apps.filter((a) => appExists(a)) };
}

function build(apps) {
  if (apps.length === 0) return;
  const filters = apps.map((app) => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'apps', app.name, 'package.json'), 'utf8'));
    return `--filter=${manifest.name}...`;
  });
  say(`building ${apps.map((a) => a.name).join(', ')} and the packages they use`);
  const result = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
    cwd: repoRoot,
    // Build output goes to stderr: stdout of `up` is only the base URL.
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0) throw new StackError('the build failed (see above)');
}

/** The environment an app starts with (see the header comment for who wins). */
function appEnv(app, all, infra) {
  const fromTable = resolveAppEnv(app, all, 'local');
  const env = { ...fromTable, ...process.env };
  const mongo = new URL(infra.mongoUrl);
  mongo.pathname = `/${databaseName(app)}`;
  return {
    ...env,
    NODE_ENV: env.NODE_ENV ?? 'development',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    PORT: String(app.port),
    HOST: '127.0.0.1',
    MONGO_URL: mongo.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
  };
}

async function ensurePortFree(app) {
  if (await portOpen(app.port)) {
    throw new StackError(
      `port ${app.port} of ${app.name} is taken by another process; stop it or change the port in infra/services.json`,
    );
  }
}

function requireBuilt(app) {
  if (!existsSync(entryOf(app))) {
    throw new StackError(
      `apps/${app.name}/dist/main.js is missing after the build (does the app build to dist/?)`,
    );
  }
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

function pipeLines(stream, name) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) process.stdout.write(`${tag(name)} ${formatLine(line)}\n`);
  });
  stream.on('end', () => {
    if (pending) process.stdout.write(`${tag(name)} ${formatLine(pending)}\n`);
  });
}

// ---------------------------------------------------------------------------------------------------
// Commands

async function cmdRun() {
  mkdirSync(STACK_DIR, { recursive: true });
  const { all, present } = presentApps();
  const started = { kafka: false, ferretdb: false, redis: false, edge: false };
  const children = [];
  let stopping = false;

  const shutdown = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => stopPid(c.appName, c.pid)));
    for (const child of children) rmSync(pidFile(child.appName), { force: true });
    if (started.edge) await launcher('edge.sh', ['stop']);
    if (started.kafka) await launcher('kafka.sh', ['stop']);
    if (started.ferretdb) await launcher('ferretdb.sh', ['stop']);
    if (started.redis) await launcher('redis.sh', ['stop']);
    process.exit(exitCode);
  };
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) {
      say('second interrupt: killing the apps now');
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      process.exit(130);
    }
    void shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const t0 = Date.now();
    const [kafkaUp, ferretUp, redisUp, edgeRunning] = await Promise.all([
      running('kafka.sh'),
      running('ferretdb.sh'),
      running('redis.sh'),
      running('edge.sh'),
    ]);
    started.kafka = !kafkaUp;
    started.ferretdb = !ferretUp;
    started.redis = !redisUp;
    const infra = await infraUp();
    build(present);
    for (const app of present) {
      requireBuilt(app);
      if (recordedPid(app)) {
        throw new StackError(
          `${app.name} is already running in the background; run "npm run stack:down" first`,
        );
      }
      await ensurePortFree(app);
    }
    await Promise.all(
      present.map(async (app) => {
        // Own process group: a Ctrl-C reaches only the stack, which then stops the apps in order.
        const child = spawn(process.execPath, [entryOf(app)], {
          cwd: path.join(repoRoot, 'apps', app.name),
          env: appEnv(app, all, infra),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        child.appName = app.name;
        children.push(child);
        writeFileSync(pidFile(app.name), `${child.pid}\n`);
        pipeLines(child.stdout, app.name);
        pipeLines(child.stderr, app.name);
        child.on('exit', (code, signal) => {
          if (!stopping) say(`${app.name} exited (${signal ?? `code ${code}`}); the others keep running`);
        });
        await waitReady(app, child.pid, ' (see its output above)');
        say(`${app.name} ready on http://127.0.0.1:${app.port}`);
      }),
    );
    started.edge = !edgeRunning;
    await edgeUp();
    say(
      `ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${paint(1, `http://127.0.0.1:${EDGE_PORT}`)} (Ctrl-C stops)`,
    );
  } catch (error) {
    say(`error: ${error.message}`);
    await shutdown(1);
  }
}

function readState() {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  } catch {
    return { startedInfra: [] };
  }
}

async function cmdUp() {
  mkdirSync(LOG_DIR, { recursive: true });
  const t0 = Date.now();
  const { all, present } = presentApps();
  const state = readState();
  const [kafkaUp, ferretUp, redisUp] = await Promise.all([
    running('kafka.sh'),
    running('ferretdb.sh'),
    running('redis.sh'),
  ]);
  const startedInfra = new Set(state.startedInfra);
  if (!kafkaUp) startedInfra.add('kafka');
  if (!ferretUp) startedInfra.add('ferretdb');
  if (!redisUp) startedInfra.add('redis');
  const infra = await infraUp();
  writeFileSync(STATE_FILE, `${JSON.stringify({ startedInfra: [...startedInfra] }, null, 2)}\n`);
  build(present);
  await Promise.all(
    present.map(async (app) => {
      requireBuilt(app);
      const logFile = path.join(LOG_DIR, `${app.name}.log`);
      const existing = recordedPid(app);
      if (existing) {
        await waitReady(app, existing, `; see ${path.relative(repoRoot, logFile)}`);
        say(
          `${app.name} already running (pid ${existing}); "npm run stack:down" first to restart it with new code`,
        );
        return;
      }
      await ensurePortFree(app);
      const fd = openSync(logFile, 'a');
      writeSync(fd, `--- started by stack:up at ${new Date().toISOString()} ---\n`);
      // Through bash, which closes every inherited descriptor beyond stdio and then becomes node (same
      // pid): a background app must not keep open a pipe of whoever ran `stack:up`.
      const child = spawn('bash', ['-c', CLOSE_FDS_AND_EXEC, 'stack-app', process.execPath, entryOf(app)], {
        cwd: path.join(repoRoot, 'apps', app.name),
        env: appEnv(app, all, infra),
        stdio: ['ignore', fd, fd],
        detached: true,
      });
      closeSync(fd);
      child.unref();
      writeFileSync(pidFile(app.name), `${child.pid}\n`);
      say(`${app.name} started (pid ${child.pid}), log in ${path.relative(repoRoot, logFile)}`);
      try {
        await waitReady(app, child.pid, '');
      } catch (error) {
        // Never leave a half-started app behind: it would hold the port and the pid file.
        if (isAlive(child.pid)) await stopPid(app.name, child.pid);
        rmSync(pidFile(app.name), { force: true });
        throw new StackError(
          `${error.message}; last lines of ${path.relative(repoRoot, logFile)}:\n${tail(logFile)}`,
        );
      }
      say(`${app.name} ready on http://127.0.0.1:${app.port}`);
    }),
  );
  await edgeUp();
  say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; "npm run stack:down" stops it`);
  process.stdout.write(`http://127.0.0.1:${EDGE_PORT}\n`);
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function cmdDown() {
  const apps = loadApps();
  await Promise.all(
    apps.map(async (app) => {
      const pid = recordedPid(app);
      if (pid) await stopPid(app.name, pid);
      rmSync(pidFile(app.name), { force: true });
    }),
  );
  // Pid files of apps no longer in the table.
  if (existsSync(STACK_DIR)) {
    for (const file of readdirSync(STACK_DIR).filter((f) => f.endsWith('.pid'))) {
      const name = file.slice(0, -'.pid'.length);
      if (apps.some((a) => a.name === name)) continue;
      const pid = Number(readFileSync(path.join(STACK_DIR, file), 'utf8').trim());
      if (pid > 0 && isAlive(pid) && commandLine(pid).includes(`apps/${name}/dist/main.js`))
        await stopPid(name, pid);
      rmSync(path.join(STACK_DIR, file), { force: true });
    }
  }
  await launcher('edge.sh', ['stop']);
  const state = readState();
  if (state.startedInfra.includes('kafka')) await launcher('kafka.sh', ['stop']);
  if (state.startedInfra.includes('ferretdb')) await launcher('ferretdb.sh', ['stop']);
  if (state.startedInfra.includes('redis')) await launcher('redis.sh', ['stop']);
  const left = ['kafka', 'ferretdb', 'redis'].filter((s) => !state.startedInfra.includes(s));
  if (left.length > 0)
    say(`left running (not started by stack:up): ${left.join(', ')}; "npm run infra:down" stops them`);
  rmSync(STATE_FILE, { force: true });
}

async function cmdStatus() {
  const all = loadApps();
  const rows = [];
  for (const app of all) {
    let state;
    if (!appExists(app)) state = 'no workspace yet';
    else {
      const pid = recordedPid(app);
      const ready = await answersReady(app);
      state = pid
        ? `pid ${pid}, ${ready ? 'ready' : 'NOT ready'}`
        : ready
          ? 'answering (not started by the stack)'
          : 'stopped';
    }
    rows.push([app.name, `127.0.0.1:${app.port}`, state]);
  }
  for (const [name, script] of [
    ['edge', 'edge.sh'],
    ['kafka', 'kafka.sh'],
    ['ferretdb', 'ferretdb.sh'],
    ['redis', 'redis.sh'],
  ]) {
    const { code } = await launcher(script, ['status'], { quiet: true });
    const where = {
      edge: `http://127.0.0.1:${EDGE_PORT}`,
      kafka: `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`,
      ferretdb: `mongodb://127.0.0.1:${process.env.MONGO_PORT ?? 27017}`,
      redis: `redis://127.0.0.1:${process.env.REDIS_PORT ?? 6379}`,
    }[name];
    rows.push([name, where, code === 0 ? 'ready' : code === 3 ? 'stopped' : 'NOT ready']);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const hostWidth = Math.max(...rows.map((r) => r[1].length));
  for (const [name, where, state] of rows) {
    process.stdout.write(`${name.padEnd(width)}  ${where.padEnd(hostWidth)}  ${state}\n`);
  }
}

const commands = { run: cmdRun, up: cmdUp, down: cmdDown, status: cmdStatus };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  process.stderr.write('usage: node scripts/stack.mjs run|up|down|status\n');
  process.exit(64);
}
try {
  await command();
} catch (error) {
  say(`error: ${error instanceof StackError ? error.message : error.stack}`);
  process.exit(1);
}
