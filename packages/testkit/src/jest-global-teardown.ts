import { getInfra, stopInfra } from './infra';
import { deleteRecordedTopics } from './test-topics';

/**
 * Jest global teardown: deletes the topics of this run's suites (and of earlier runs that died) from a
 * broker that outlives the run, then stops containers started by the global setup (local launchers
 * stay up; a container's topics go with it).
 */
export default async function globalTeardown(): Promise<void> {
  const infra = await getInfra();
  if (infra.source !== 'testcontainers') {
    process.stderr.write(`${await deleteRecordedTopics(infra.kafkaBrokers)}\n`);
  }
  await stopInfra();
}
