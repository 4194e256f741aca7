#!/usr/bin/env node
// Runs every test of every workspace in one jest run: builds the workspace (services under test are
// started from their build output), lets the testkit's global setup find or start the shared
// infrastructure once, and ends with one line "N passed, N failed" summed over all suites.
// Extra arguments go to jest (e.g. `npm test -- --selectProjects events`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites } from './prerequisites.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = path.join(root, '.local', 'test-results.json');
mkdirSync(path.dirname(resultsFile), { recursive: true });

// The tests run real Kafka, MongoDB-protocol, Redis and nginx servers and a browser: the local stack's
// system tools, installed (or named) before anything runs.
if (!ensurePrerequisites()) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return result.status ?? 1;
}

if (run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) {
  console.error('build failed; tests not run');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const jestArgs = [
  'jest',
  '--maxWorkers=2',
  '--json',
  `--outputFile=${resultsFile}`,
  ...process.argv.slice(2),
];
const status = run('npx', jestArgs);

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  // A suite that fails to load has no failed tests but must still count as a failure.
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(status);
