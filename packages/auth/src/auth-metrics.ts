import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * The counter of this name on the registry, registered on first use: a service's registry may already
 * hold it (a second `createAuth` or limiter on the same registry), and prom-client refuses a name twice.
 */
export function sharedCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[] = [],
): Counter {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
}

/** A gauge read at every scrape, registered unless the registry holds one of this name (the first one stays). */
export function sharedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  if (registry.getSingleMetric(name) !== undefined) return;
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
