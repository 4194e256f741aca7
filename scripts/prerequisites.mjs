#!/usr/bin/env node
// The system tools the local stack and the tests need besides Node.js, checked before anything starts
// (npm start, npm run stack:up, npm test, .ci/run). Missing ones are installed with apt-get when this
// user may (root, or sudo without a password), after saying what and why; otherwise one message names
// the command to run, and nothing is started. Uses Node's built-ins only: it runs before `npm ci`.
//
//   node scripts/prerequisites.mjs
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const JAVA_MAJOR = 17;

/** Each tool: the command that shows it is there, its Debian packages, and why it is needed. */
const TOOLS = [
  {
    command: 'javac',
    packages: ['openjdk-17-jdk-headless'],
    why: `JDK ${JAVA_MAJOR}+: runs Kafka and compiles and runs the local MongoDB-protocol server`,
  },
  { command: 'mvn', packages: ['maven'], why: 'fetches the Kafka and mongo-java-server jars once' },
  { command: 'nginx', packages: ['nginx'], why: 'the edge: one base URL in front of the services' },
  { command: 'redis-server', packages: ['redis-server'], why: 'rate-limit counters shared by all replicas' },
  { command: 'kcat', packages: ['kcat'], why: 'a Kafka client for looking at topics by hand' },
  {
    command: 'chromium',
    packages: ['chromium', 'fonts-liberation'],
    why: 'the browser of the browser tests',
  },
  { command: 'flock', packages: ['util-linux'], why: 'the launchers lock ports and data dirs' },
];

// Debian puts nginx in /usr/sbin, which is not on an ordinary user's PATH (infra/local/lib.sh adds it).
const SEARCH_PATH = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'].filter(Boolean);

function which(command) {
  for (const dir of SEARCH_PATH) {
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The JDK's major version, from its `release` file (no JVM start), else from `javac -version`. */
function javacMajor(javac) {
  let text = '';
  try {
    text = readFileSync(path.join(path.dirname(realpathSync(javac)), '..', 'release'), 'utf8');
  } catch {
    text = spawnSync(javac, ['-version'], { encoding: 'utf8' }).stdout ?? '';
  }
  const match = /(?:JAVA_VERSION="|javac )(?:1\.)?(\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** The tools that are absent (or, for the JDK, too old). */
export function missingTools() {
  return TOOLS.filter(({ command }) => {
    const file = which(command);
    if (!file) return true;
    return command === 'javac' && javacMajor(file) < JAVA_MAJOR;
  });
}

// apt-get's progress, shortened to what was fetched and set up, goes to stderr: stdout of `stack:up`
// is only the base URL.
function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const shown = (result.stdout ?? '').split('\n').filter((line) => /^(Fetched|Setting up|E:|W:)/.test(line));
  if (shown.length > 0) process.stderr.write(`${shown.join('\n')}\n`);
  return result.status === 0;
}

/**
 * Installs what is missing, or explains how. Returns true when every tool is there afterwards.
 * @param {(line: string) => void} [say] where progress goes (default stderr)
 */
export function ensurePrerequisites(say = (line) => process.stderr.write(`[setup] ${line}\n`)) {
  const missing = missingTools();
  if (missing.length === 0) return true;
  const packages = [...new Set(missing.flatMap((tool) => tool.packages))];
  const listing = missing.map((tool) => `  ${tool.command.padEnd(13)} ${tool.why}`).join('\n');
  const apt = which('apt-get');
  const root = process.getuid?.() === 0;
  const sudo = !root && which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!apt || (!root && !sudo)) {
    const command = apt
      ? `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`
      : `install them with your system's package manager (Debian packages: ${packages.join(' ')})`;
    say(`missing:\n${listing}\nNothing was started. To install them, run:\n\n  ${command}\n`);
    return false;
  }
  say(`missing:\n${listing}`);
  say(`installing with apt-get: ${packages.join(' ')}`);
  const prefix = root ? [] : ['sudo', '-n'];
  // Another apt-get (an unattended upgrade) may hold the lock for a while: wait for it.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const [cmd, ...rest] = [...prefix, 'apt-get'];
  const ok =
    run(cmd, [...rest, ...lock, '-q', 'update']) &&
    run(cmd, [...rest, ...lock, '-q', '-y', 'install', '--no-install-recommends', ...packages]);
  const still = missingTools();
  if (!ok || still.length > 0) {
    say(
      `apt-get did not install ${(still.length > 0 ? still : missing).map((t) => t.command).join(', ')} (see above); nothing was started`,
    );
    return false;
  }
  say('all prerequisites installed');
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(ensurePrerequisites() ? 0 : 1);
}
