import { performance } from 'node:perf_hooks';
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * The timed phases of delivery: `claim` (one batch claim), `lookup` (the subscriptions of a batch),
 * `send` (one HTTP attempt), `outcome` (counting a success or failure on the subscription), `record`
 * (writing one attempt's outcome to its delivery).
 */
export type DeliveryPhase = 'claim' | 'lookup' | 'send' | 'outcome' | 'record';

/** Runs `run`, observing its duration under `phase`. */
export type Timed = <T>(phase: DeliveryPhase, run: () => Promise<T>) => Promise<T>;

/** Buckets in seconds for the phase timings. */
const PHASE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Times the phases into `webhook_delivery_phase_seconds` on `metrics`; without a registry, only runs them. */
export function createPhaseTimer(metrics: Registry | undefined): Timed {
  const phases =
    metrics === undefined
      ? null
      : new Histogram({
          name: 'webhook_delivery_phase_seconds',
          help: 'Time spent per phase of webhook delivery (claim and lookup per batch; send, outcome and record per attempt)',
          labelNames: ['phase'] as const,
          buckets: PHASE_BUCKETS,
          registers: [metrics],
        });
  return async (phase, run) => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      phases?.observe({ phase }, (performance.now() - started) / 1000);
    }
  };
}
