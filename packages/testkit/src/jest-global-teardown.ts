import { stopInfra } from './infra';

/** Jest global teardown: stops containers started by the global setup (local launchers stay up). */
export default async function globalTeardown(): Promise<void> {
  await stopInfra();
}
