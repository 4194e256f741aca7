import { execFile } from 'node:child_process';

/**
 * Writes one record the validating producer of @eudr/events refuses to write (that is its job), so
 * tests can check that the projection skips it. Uses kcat, an independent Kafka client (Debian package
 * `kcat`, installed by `.ci/run`), so nothing in the repository outside the events package depends on a
 * Kafka client library.
 */
export function produceRaw(
  brokers: string[],
  topic: string,
  partition: number,
  key: Buffer,
  value: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // -K with a delimiter byte that appears in neither key nor value; -Z sends an empty value as null.
    const child = execFile(
      'kcat',
      ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(partition), '-K', '\u0001'],
      (error, _stdout, stderr) =>
        error ? reject(new Error(`kcat failed: ${stderr || error.message}`)) : resolve(),
    );
    child.stdin?.end(Buffer.concat([key, Buffer.from('\u0001'), value, Buffer.from('\n')]));
  });
}
