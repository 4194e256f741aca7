import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths';

/*
 * Each test run writes the topic prefixes of its suites to `.local/test-runs/<pid>.topics`; its global
 * teardown deletes those topics, and those of earlier runs that died before their teardown. Without
 * this a local broker gathers thousands of partitions over a day of runs and runs out of memory.
 */

const TOPICS_FILE_ENV = 'EUDR_TEST_TOPICS_FILE';
const runsDir = (): string => path.join(repoRoot(), '.local', 'test-runs');

/** Global setup: this run's suites record their prefixes from now on (workers inherit the variable). */
export function beginTopicRecord(): void {
  mkdirSync(runsDir(), { recursive: true });
  process.env[TOPICS_FILE_ENV] = path.join(runsDir(), `${process.pid}.topics`);
}

/** Remembers a suite's topic prefix for the teardown; a no-op outside a recorded run. */
export function recordTopicPrefix(prefix: string): void {
  const file = process.env[TOPICS_FILE_ENV];
  if (file) appendFileSync(file, `${prefix}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record files of this run and of runs whose process is gone; runs still going keep theirs. */
export function finishedRunFiles(dir = runsDir(), self = process.pid): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^[0-9]{1,10}\.topics$/.test(name))
    .filter((name) => {
      const pid = Number(name.slice(0, -'.topics'.length));
      return pid === self || !isAlive(pid);
    })
    .map((name) => path.join(dir, name));
}

/**
 * Global teardown: deletes the topics recorded by finished runs and then their records. Cleaning up
 * must not fail a run: a broker that does not answer leaves the records for the next run.
 */
export async function deleteRecordedTopics(brokers: readonly string[]): Promise<string> {
  const files = finishedRunFiles();
  const prefixes = [
    ...new Set(files.flatMap((file) => readFileSync(file, 'utf8').split('\n')).filter((p) => p.length > 0)),
  ];
  if (prefixes.length === 0) {
    for (const file of files) rmSync(file, { force: true });
    return 'no test topics to delete';
  }
  const script = path.join(repoRoot(), 'scripts', 'delete-test-topics.mjs');
  const started = Date.now();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [script, brokers.join(','), ...prefixes], {
      cwd: repoRoot(),
      timeout: 120_000,
    });
    for (const file of files) rmSync(file, { force: true });
    return `deleted ${stdout.trim()} test topics of ${prefixes.length} suites in ${Date.now() - started} ms`;
  } catch (err) {
    return `test topics not deleted (kept for the next run): ${(err as Error).message.split('\n')[0]}`;
  }
}
